import { Migration } from '@mikro-orm/migrations';

/**
 * Invoice numbers run per issuing vendor (PRODUCT.md 7), not in one marketplace-wide sequence
 * whose numbers told every tenant the market's volume.
 *
 * - `invoice_number_counter` holds each vendor's last number. A BEFORE INSERT trigger on
 *   `invoice` takes the next one from it (an upsert that locks the vendor's counter row until
 *   commit), so the database numbers every invoice and note, whatever inserts it: gapless per
 *   vendor (a rolled-back settlement gives its number back), and concurrent settlements of one
 *   vendor queue on the counter instead of racing. `unique (vendor_id, number)` backs it up.
 * - Invoices already issued keep the numbers printed on them: an issued document is never
 *   renumbered. Their old global numbers are unique, hence unique per vendor, and each vendor's
 *   counter starts at its highest existing number, so its next invoice follows its last one.
 * - Number and vendor of an issued invoice can never change (trigger).
 */
export class Migration20261207120000 extends Migration {
  override name = 'Migration20261207120000';

  override up(): void {
    this.addSql(`create table "invoice_number_counter" (
      "vendor_id" uuid primary key references "organization" ("id"),
      "last_number" bigint not null check ("last_number" >= 0)
    );`);
    this.addSql(`insert into "invoice_number_counter" ("vendor_id", "last_number")
      select "vendor_id", max("number") from "invoice" group by "vendor_id";`);

    this.addSql(`alter table "invoice" alter column "number" drop default;`);
    this.addSql(`drop sequence if exists "invoice_number_seq";`);
    this.addSql(`alter table "invoice" drop constraint "invoice_number_key";`);
    this.addSql(`alter table "invoice" add constraint "invoice_vendor_number_unique" unique ("vendor_id", "number");`);

    this.addSql(`create function invoice_assign_number() returns trigger language plpgsql as $$
      begin
        insert into invoice_number_counter (vendor_id, last_number) values (new.vendor_id, 1)
          on conflict (vendor_id) do update set last_number = invoice_number_counter.last_number + 1
          returning last_number into new.number;
        return new;
      end $$;`);
    this.addSql(`create trigger "invoice_number" before insert on "invoice" for each row execute function invoice_assign_number();`);

    this.addSql(`create function invoice_number_immutable() returns trigger language plpgsql as $$
      begin
        if new.number is distinct from old.number or new.vendor_id is distinct from old.vendor_id then
          raise exception 'the number and vendor of an issued invoice never change' using errcode = '42501';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger "invoice_number_immutable" before update on "invoice" for each row execute function invoice_number_immutable();`);
  }

  override down(): void {
    this.addSql(`drop trigger if exists "invoice_number_immutable" on "invoice";`);
    this.addSql(`drop trigger if exists "invoice_number" on "invoice";`);
    this.addSql(`drop function if exists invoice_number_immutable(); drop function if exists invoice_assign_number();`);
    this.addSql(`alter table "invoice" drop constraint "invoice_vendor_number_unique";`);
    // Back to one global sequence: renumber, since per-vendor numbers collide across vendors.
    this.addSql(`create sequence "invoice_number_seq" owned by "invoice"."number";`);
    this.addSql(
      `update "invoice" set "number" = n.rn from (select "id", row_number() over (order by "issued_at", "id") as rn from "invoice") n where n."id" = "invoice"."id";`,
    );
    this.addSql(`select setval('invoice_number_seq', coalesce((select max("number") from "invoice"), 0) + 1, false);`);
    this.addSql(`alter table "invoice" alter column "number" set default nextval('invoice_number_seq');`);
    this.addSql(`alter table "invoice" add constraint "invoice_number_key" unique ("number");`);
    this.addSql(`drop table "invoice_number_counter";`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery actuals, settlements, invoices and the double-entry ledger.
 *
 * Invariants held by PostgreSQL itself, not only by code:
 * - a settlement is unique per (contract, sequence) and per idempotency key;
 * - every ledger transaction's entries sum to zero (a deferred constraint trigger checks it at
 *   commit, so a transaction is written entry by entry and judged as a whole);
 * - ledger transactions and entries are append-only (updates and deletes raise).
 */
export class Migration20261125020000 extends Migration {
  override name = 'Migration20261125020000';

  override up(): void {
    this.addSql(`alter table "contract" add column "needs_settlement" boolean not null default false;`);

    this.addSql(`create table "delivery_report" (
      "id" uuid primary key,
      "contract_id" uuid not null references "contract" ("id"),
      "interval_index" int not null,
      "source" text not null check ("source" in ('VENDOR', 'BRAND')),
      "staffed_units" bigint not null check ("staffed_units" >= 0),
      "contacts_handled" int not null check ("contacts_handled" >= 0),
      "service_level_ppm" int null check ("service_level_ppm" between 0 and 1000000),
      "reported_by_key_id" uuid null references "api_key" ("id"),
      "reported_at" timestamptz not null,
      constraint "delivery_report_unique" unique ("contract_id", "interval_index", "source")
    );`);

    this.addSql(`create table "ledger_account" (
      "id" uuid primary key,
      "organization_id" uuid not null references "organization" ("id"),
      "currency" varchar(3) not null,
      "kind" text not null check ("kind" in ('ORGANIZATION', 'OPERATOR_FEES', 'OPERATOR_CASH')),
      "created_at" timestamptz not null,
      constraint "ledger_account_unique" unique ("organization_id", "currency", "kind")
    );`);

    this.addSql(`create table "invoice" (
      "id" uuid primary key,
      "number" bigserial not null unique,
      "contract_id" uuid not null references "contract" ("id"),
      "brand_id" uuid not null references "organization" ("id"),
      "vendor_id" uuid not null references "organization" ("id"),
      "kind" text not null check ("kind" in ('INVOICE', 'CREDIT_NOTE', 'DEBIT_NOTE')),
      "original_invoice_id" uuid null references "invoice" ("id"),
      "status" text not null check ("status" in ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'ADJUSTED')),
      "currency" varchar(3) not null,
      "net_minor" bigint not null,
      "fee_minor" bigint not null,
      "vendor_payout_minor" bigint not null,
      "paid_minor" bigint not null default 0 check ("paid_minor" >= 0),
      "period_start" timestamptz not null,
      "period_end" timestamptz not null,
      "issued_at" timestamptz not null,
      constraint "invoice_payout" check ("vendor_payout_minor" = "net_minor" - "fee_minor"),
      constraint "invoice_kind_original" check (("kind" = 'INVOICE') = ("original_invoice_id" is null))
    );`);
    this.addSql(`create index "invoice_brand_index" on "invoice" ("brand_id", "id");`);
    this.addSql(`create index "invoice_vendor_index" on "invoice" ("vendor_id", "id");`);
    this.addSql(`create index "invoice_contract_index" on "invoice" ("contract_id");`);

    this.addSql(`create table "invoice_line" (
      "id" uuid primary key,
      "invoice_id" uuid not null references "invoice" ("id"),
      "position" int not null,
      "kind" text not null check ("kind" in ('BASE', 'CREDIT', 'FEE')),
      "interval_index" int null,
      "billable_units" bigint null,
      "description" text not null,
      "amount_minor" bigint not null,
      constraint "invoice_line_position_unique" unique ("invoice_id", "position")
    );`);

    this.addSql(`create table "settlement" (
      "id" uuid primary key,
      "contract_id" uuid not null references "contract" ("id"),
      "sequence" int not null check ("sequence" >= 1),
      "idempotency_key" text not null constraint "settlement_idempotency_unique" unique,
      "kind" text not null check ("kind" in ('INITIAL', 'ADJUSTMENT')),
      "invoice_id" uuid not null references "invoice" ("id"),
      "net_minor" bigint not null,
      "fee_minor" bigint not null,
      "amounts" jsonb not null,
      "created_at" timestamptz not null,
      constraint "settlement_sequence_unique" unique ("contract_id", "sequence")
    );`);

    this.addSql(`create table "ledger_transaction" (
      "id" uuid primary key,
      "kind" text not null check ("kind" in ('SETTLEMENT', 'ADJUSTMENT', 'PAYMENT')),
      "idempotency_key" text not null constraint "ledger_transaction_idempotency_unique" unique,
      "currency" varchar(3) not null,
      "invoice_id" uuid null references "invoice" ("id"),
      "settlement_id" uuid null references "settlement" ("id"),
      "description" text not null,
      "posted_at" timestamptz not null
    );`);
    this.addSql(`create table "ledger_entry" (
      "id" uuid primary key,
      "transaction_id" uuid not null references "ledger_transaction" ("id"),
      "account_id" uuid not null references "ledger_account" ("id"),
      "amount_minor" bigint not null check ("amount_minor" <> 0),
      "posted_at" timestamptz not null
    );`);
    this.addSql(`create index "ledger_entry_account_index" on "ledger_entry" ("account_id", "posted_at");`);
    this.addSql(`create index "ledger_entry_transaction_index" on "ledger_entry" ("transaction_id");`);

    this.addSql(`create function ledger_transaction_balances() returns trigger language plpgsql as $$
      declare total numeric; currencies int;
      begin
        select coalesce(sum(e.amount_minor), 0), count(distinct a.currency) into total, currencies
          from ledger_entry e join ledger_account a on a.id = e.account_id
         where e.transaction_id = new.transaction_id;
        if total <> 0 then
          raise exception 'ledger transaction % does not balance (sum %)', new.transaction_id, total using errcode = '23514';
        end if;
        if currencies > 1 then
          raise exception 'ledger transaction % mixes currencies', new.transaction_id using errcode = '23514';
        end if;
        return null;
      end $$;`);
    this.addSql(`create constraint trigger "ledger_entry_balanced" after insert on "ledger_entry"
      deferrable initially deferred for each row execute function ledger_transaction_balances();`);
    this.addSql(`create function ledger_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'the ledger is append-only: % on % is not allowed', tg_op, tg_table_name using errcode = '42501';
      end $$;`);
    this.addSql(`create trigger "ledger_entry_append_only" before update or delete on "ledger_entry" for each row execute function ledger_append_only();`);
    this.addSql(
      `create trigger "ledger_transaction_append_only" before update or delete on "ledger_transaction" for each row execute function ledger_append_only();`,
    );
  }

  override down(): void {
    this.addSql(
      `drop table if exists "ledger_entry", "ledger_transaction", "settlement", "invoice_line", "invoice", "ledger_account", "delivery_report" cascade;`,
    );
    this.addSql(`drop function if exists ledger_transaction_balances(); drop function if exists ledger_append_only();`);
    this.addSql(`alter table "contract" drop column "needs_settlement";`);
  }
}

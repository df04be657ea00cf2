import { Migration } from '@mikro-orm/migrations';

/**
 * Sandboxes and their test clocks (PRODUCT.md section 13), and the wall between the worlds.
 *
 * - `sandbox`: one per createSandbox, with its clock (`clock_time`, which only moves forward: a
 *   check in the trigger below) and the organisation that created it. At most 5 live (undeleted)
 *   sandboxes per creator, counted under a per-creator advisory lock (`sandbox_creator_limit`).
 * - `organization.sandbox_id`: the organisation's world, null for live. Set once, never changed.
 * - `scoring_run.sandbox_id`: each world scores its own vendors against its own prior.
 * - `domain_event.sandbox_id`: the world an event happened in, set by PostgreSQL from the party the
 *   payload names (brandId, else vendorId, else sandboxId), so the operator's subscriptions and
 *   webhooks receive the events of their own world only.
 * - World triggers: a row that names two organisations (an in-house team and its brand, a bid and
 *   its spike's brand, a contract, an invoice, a quality event and its submitter, the accounts of
 *   one ledger transaction) must name two of one world, or PostgreSQL refuses it with
 *   check_violation naming `world_boundary`. This is the guarantee; the code's world filters are
 *   there so that reads never show the other world, and to answer NOT_FOUND before any write.
 */
export class Migration20261207190000 extends Migration {
  override name = 'Migration20261207190000';

  override up(): void {
    this.addSql(`create table "sandbox" (
      "id" uuid primary key,
      "name" varchar(200) not null,
      "created_by_organization_id" uuid not null references "organization" ("id"),
      "clock_time" timestamptz not null,
      "advance_count" int not null default 0 check ("advance_count" >= 0),
      "created_at" timestamptz not null,
      "deleted_at" timestamptz null
    );`);
    this.addSql(`create index "sandbox_creator_index" on "sandbox" ("created_by_organization_id") where "deleted_at" is null;`);
    this.addSql(`alter table "organization" add column "sandbox_id" uuid null references "sandbox" ("id");`);
    this.addSql(`create index "organization_sandbox_index" on "organization" ("sandbox_id") where "sandbox_id" is not null;`);
    this.addSql(`alter table "scoring_run" add column "sandbox_id" uuid null references "sandbox" ("id");`);
    this.addSql(`create index "scoring_run_world_index" on "scoring_run" ("sandbox_id", "computed_at");`);
    this.addSql(`alter table "domain_event" add column "sandbox_id" uuid null;`);
    this.addSql(`create function domain_event_world() returns trigger language plpgsql as $$
      begin
        new.sandbox_id := case
          when new.payload ? 'brandId' then (select sandbox_id from organization where id = (new.payload->>'brandId')::uuid)
          when new.payload ? 'vendorId' then (select sandbox_id from organization where id = (new.payload->>'vendorId')::uuid)
          when new.payload ? 'sandboxId' then (new.payload->>'sandboxId')::uuid
          else null end;
        return new;
      end $$;`);
    this.addSql(`create trigger "domain_event_world" before insert on "domain_event" for each row execute function domain_event_world();`);

    // The creator is a live organisation; at most 5 undeleted sandboxes each; the clock never goes back.
    this.addSql(`create function sandbox_rules() returns trigger language plpgsql as $$
      declare live int;
      begin
        if tg_op = 'UPDATE' then
          if new.clock_time < old.clock_time then
            raise exception 'a test clock never moves back' using errcode = '23514', constraint = 'sandbox_clock_forward';
          end if;
          return new;
        end if;
        if exists (select 1 from organization where id = new.created_by_organization_id and sandbox_id is not null) then
          raise exception 'a sandbox organisation cannot create sandboxes' using errcode = '23514', constraint = 'world_boundary';
        end if;
        perform pg_advisory_xact_lock(hashtextextended('sandbox:' || new.created_by_organization_id::text, 0));
        select count(*) into live from sandbox where created_by_organization_id = new.created_by_organization_id and deleted_at is null;
        if live >= 5 then
          raise exception 'organisation % already has % sandboxes', new.created_by_organization_id, live
            using errcode = '23514', constraint = 'sandbox_creator_limit';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger "sandbox_rules" before insert or update on "sandbox" for each row execute function sandbox_rules();`);

    // An organisation's world is fixed at creation.
    this.addSql(`create function organization_world_fixed() returns trigger language plpgsql as $$
      begin
        if new.sandbox_id is distinct from old.sandbox_id then
          raise exception 'an organisation never changes world' using errcode = '23514', constraint = 'world_boundary';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger "organization_world_fixed" before update of "sandbox_id" on "organization"
      for each row execute function organization_world_fixed();`);

    // Two organisations of one world, or a check violation.
    this.addSql(`create function bx_same_world(a uuid, b uuid) returns void language plpgsql as $$
      begin
        if a is null or b is null then return; end if;
        if (select sandbox_id from organization where id = a) is distinct from (select sandbox_id from organization where id = b) then
          raise exception 'organisations % and % are in different worlds (live and sandbox never touch)', a, b
            using errcode = '23514', constraint = 'world_boundary';
        end if;
      end $$;`);
    const pairs: [table: string, check: string][] = [
      ['organization', 'perform bx_same_world(new.id, new.parent_brand_id)'],
      ['bid', 'perform bx_same_world(new.vendor_id, (select brand_id from demand_spike where id = new.spike_id))'],
      ['contract', 'perform bx_same_world(new.vendor_id, new.brand_id)'],
      ['invoice', 'perform bx_same_world(new.vendor_id, new.brand_id)'],
      ['quality_event', 'perform bx_same_world(new.vendor_id, new.submitted_by); perform bx_same_world(new.vendor_id, new.audit_brand_id)'],
    ];
    for (const [table, check] of pairs) {
      // organization: the row itself must be visible to bx_same_world, so it runs after the write.
      const when = table === 'organization' ? 'after' : 'before';
      this.addSql(`create function ${table}_world() returns trigger language plpgsql as $$
        begin ${check}; return new; end $$;`);
      this.addSql(`create trigger "${table}_world" ${when} insert or update on "${table}" for each row execute function ${table}_world();`);
    }
    // A webhook delivery goes to an endpoint of the event's world.
    this.addSql(`create function webhook_delivery_world() returns trigger language plpgsql as $$
      begin
        if (select o.sandbox_id from webhook_endpoint w join organization o on o.id = w.organization_id where w.id = new.endpoint_id)
           is distinct from (select e.sandbox_id from domain_event e where e.id = new.event_id) then
          raise exception 'webhook delivery % crosses worlds', new.id using errcode = '23514', constraint = 'world_boundary';
        end if;
        return new;
      end $$;`);
    this.addSql(
      `create trigger "webhook_delivery_world" before insert or update on "webhook_delivery" for each row execute function webhook_delivery_world();`,
    );
    // One ledger transaction stays in one book: every account of it in one world (checked at commit, with the balance).
    this.addSql(`create function ledger_transaction_one_world() returns trigger language plpgsql as $$
      begin
        if (select count(distinct coalesce(o.sandbox_id::text, 'live'))
              from ledger_entry e join ledger_account a on a.id = e.account_id join organization o on o.id = a.organization_id
             where e.transaction_id = new.transaction_id) > 1 then
          raise exception 'ledger transaction % spans the live and a sandbox book', new.transaction_id
            using errcode = '23514', constraint = 'world_boundary';
        end if;
        return null;
      end $$;`);
    this.addSql(`create constraint trigger "ledger_entry_one_world" after insert on "ledger_entry"
      deferrable initially deferred for each row execute function ledger_transaction_one_world();`);
  }

  override down(): void {
    this.addSql(`drop trigger if exists "ledger_entry_one_world" on "ledger_entry";`);
    this.addSql(`drop function if exists ledger_transaction_one_world();`);
    this.addSql(`drop trigger if exists "domain_event_world" on "domain_event";`);
    this.addSql(`drop function if exists domain_event_world();`);
    this.addSql(`alter table "domain_event" drop column "sandbox_id";`);
    for (const table of ['organization', 'bid', 'contract', 'invoice', 'quality_event', 'webhook_delivery']) {
      this.addSql(`drop trigger if exists "${table}_world" on "${table}";`);
      this.addSql(`drop function if exists ${table}_world();`);
    }
    this.addSql(`drop function if exists bx_same_world(uuid, uuid);`);
    this.addSql(`drop trigger if exists "organization_world_fixed" on "organization";`);
    this.addSql(`drop function if exists organization_world_fixed();`);
    this.addSql(`drop trigger if exists "sandbox_rules" on "sandbox";`);
    this.addSql(`drop function if exists sandbox_rules();`);
    this.addSql(`alter table "scoring_run" drop column "sandbox_id";`);
    this.addSql(`alter table "organization" drop column "sandbox_id";`);
    this.addSql(`drop table "sandbox";`);
  }
}

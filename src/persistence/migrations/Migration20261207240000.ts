import { Migration } from '@mikro-orm/migrations';

/**
 * A sandbox holds at most 20 active webhook endpoints over all its organisations (review of
 * issue 16). The cap of Migration20261207121000 is per organisation: it bounds the URLs one
 * tenant's events are delivered to. A sandbox has six organisations and a creator five
 * sandboxes, so the cap let one tenant hold 600, up to 120 deliveries per sandbox event. The
 * trigger now counts a sandbox organisation's endpoints with its sandbox's, under one advisory
 * lock per sandbox (concurrent registrations in different organisations of a sandbox cannot all
 * pass); live organisations keep their own count and lock, as before.
 */
export class Migration20261207240000 extends Migration {
  override name = 'Migration20261207240000';

  override up(): void {
    this.addSql(`create or replace function webhook_endpoint_active_limit() returns trigger language plpgsql as $$
      declare active int; world uuid;
      begin
        if new.status <> 'ACTIVE' or (tg_op = 'UPDATE' and old.status = 'ACTIVE' and old.organization_id = new.organization_id) then
          return new;
        end if;
        select sandbox_id into world from organization where id = new.organization_id;
        if world is null then
          perform pg_advisory_xact_lock(hashtextextended('webhook_endpoint:' || new.organization_id::text, 0));
          select count(*) into active from webhook_endpoint
           where organization_id = new.organization_id and status = 'ACTIVE' and id <> new.id;
        else
          perform pg_advisory_xact_lock(hashtextextended('webhook_endpoint:sandbox:' || world::text, 0));
          select count(*) into active from webhook_endpoint e join organization o on o.id = e.organization_id
           where o.sandbox_id = world and e.status = 'ACTIVE' and e.id <> new.id;
        end if;
        if active >= 20 then
          raise exception 'organisation % (sandbox %) already has % active webhook endpoints', new.organization_id, world, active
            using errcode = '23514', constraint = 'webhook_endpoint_active_limit';
        end if;
        return new;
      end $$;`);
  }

  override down(): void {
    this.addSql(`create or replace function webhook_endpoint_active_limit() returns trigger language plpgsql as $$
      declare active int;
      begin
        if new.status <> 'ACTIVE' or (tg_op = 'UPDATE' and old.status = 'ACTIVE' and old.organization_id = new.organization_id) then
          return new;
        end if;
        perform pg_advisory_xact_lock(hashtextextended('webhook_endpoint:' || new.organization_id::text, 0));
        select count(*) into active from webhook_endpoint
         where organization_id = new.organization_id and status = 'ACTIVE' and id <> new.id;
        if active >= 20 then
          raise exception 'organisation % already has % active webhook endpoints', new.organization_id, active
            using errcode = '23514', constraint = 'webhook_endpoint_active_limit';
        end if;
        return new;
      end $$;`);
  }
}

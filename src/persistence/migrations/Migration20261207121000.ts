import { Migration } from '@mikro-orm/migrations';

/**
 * At most 20 ACTIVE webhook endpoints per organisation, held by PostgreSQL. The use case counts
 * first to give a clear error, but a count followed by an insert lets concurrent registrations
 * all pass the count. This trigger serialises the writes that can add an active endpoint to an
 * organisation (a transaction-scoped advisory lock per organisation, so registrations of other
 * organisations and every other use of the organisation row go on) and counts again under the
 * lock: in READ COMMITTED each statement of the function sees what the previous holder committed.
 * Over the limit it raises check_violation naming `webhook_endpoint_active_limit`.
 */
export class Migration20261207121000 extends Migration {
  override name = 'Migration20261207121000';

  override up(): void {
    this.addSql(`create function webhook_endpoint_active_limit() returns trigger language plpgsql as $$
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
    this.addSql(`create trigger "webhook_endpoint_active_limit" before insert or update on "webhook_endpoint"
      for each row execute function webhook_endpoint_active_limit();`);
  }

  override down(): void {
    this.addSql(`drop trigger if exists "webhook_endpoint_active_limit" on "webhook_endpoint";`);
    this.addSql(`drop function if exists webhook_endpoint_active_limit();`);
  }
}

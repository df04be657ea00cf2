import { Migration } from '@mikro-orm/migrations';

/**
 * At most 50 ACTIVE (unrevoked) API keys per organisation, held by PostgreSQL. Connection counts,
 * subscriptions and rate budgets are per key, so an organisation issuing itself keys without end
 * would multiply them; this bounds what one tenant can hold. As for webhook endpoints
 * (Migration20261207121000), the use case counts first for a clear error, and this trigger
 * serialises the writes that can add an active key to an organisation (a transaction-scoped
 * advisory lock per organisation) and counts again under the lock, so concurrent issues cannot
 * all pass. Over the limit it raises check_violation naming `api_key_active_limit`. Existing
 * keys are left as they are: an organisation already over the limit keeps them and issues no
 * more until it is under it.
 */
export class Migration20261207170000 extends Migration {
  override name = 'Migration20261207170000';

  override up(): void {
    this.addSql(`create function api_key_active_limit() returns trigger language plpgsql as $$
      declare active int;
      begin
        if new.revoked_at is not null or (tg_op = 'UPDATE' and old.revoked_at is null and old.organization_id = new.organization_id) then
          return new;
        end if;
        perform pg_advisory_xact_lock(hashtextextended('api_key:' || new.organization_id::text, 0));
        select count(*) into active from api_key
         where organization_id = new.organization_id and revoked_at is null and id <> new.id;
        if active >= 50 then
          raise exception 'organisation % already has % active API keys', new.organization_id, active
            using errcode = '23514', constraint = 'api_key_active_limit';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger "api_key_active_limit" before insert or update on "api_key"
      for each row execute function api_key_active_limit();`);
  }

  override down(): void {
    this.addSql(`drop trigger if exists "api_key_active_limit" on "api_key";`);
    this.addSql(`drop function if exists api_key_active_limit();`);
  }
}

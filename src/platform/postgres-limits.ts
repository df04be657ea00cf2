import { randomUUID } from 'node:crypto';
import { throttledWarning, withTimeout, type RateLimiter, type RateSubject } from '../http/rate-limit.js';
import type { Logger } from '../logger.js';
import type { ConnectionSlots } from '../realtime/connection-slots.js';
import { capacityOf, type BucketLimits } from './memory-limits.js';

/**
 * The PostgreSQL-only profile's rate-limit buckets and graphql-ws connection counts, shared by
 * every API process through the database: the same token bucket and leases as the Redis scripts,
 * each decision one function call (one round trip, atomic under row and advisory locks, with the
 * server's clock so processes with skewed clocks agree). The tables are UNLOGGED, in a schema of
 * their own outside the app's migrations: like Redis's keys they are throwaway state, and a crash
 * that empties them only forgives some spending. Both fail open as the Redis ones do.
 */

export interface Queryable {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export const PLATFORM_SCHEMA = 'bx_platform';

const SETUP = `
create schema if not exists ${PLATFORM_SCHEMA};
create unlogged table if not exists ${PLATFORM_SCHEMA}.rate_bucket (key text primary key, tokens float8 not null, ts float8 not null);
create unlogged table if not exists ${PLATFORM_SCHEMA}.connection_lease (
  set_key text not null, member text not null, expires_at float8 not null, primary key (set_key, member));
create or replace function ${PLATFORM_SCHEMA}.now_ms() returns float8 language sql volatile as
  $$ select floor(extract(epoch from clock_timestamp()) * 1000) $$;
create or replace function ${PLATFORM_SCHEMA}.take(p_key text, p_capacity float8, p_window float8, p_cost float8, p_charge boolean)
returns table (allowed boolean, remaining float8, retry_ms float8, reset_ms float8) language plpgsql as $$
declare
  v_now float8 := ${PLATFORM_SCHEMA}.now_ms();
  v_rate float8 := p_capacity / p_window;
  v_tokens float8;
  v_ts float8;
begin
  if p_charge then
    insert into ${PLATFORM_SCHEMA}.rate_bucket as b values (p_key, p_capacity, v_now) on conflict (key) do nothing;
    select b.tokens, b.ts into v_tokens, v_ts from ${PLATFORM_SCHEMA}.rate_bucket b where b.key = p_key for update;
  else
    select b.tokens, b.ts into v_tokens, v_ts from ${PLATFORM_SCHEMA}.rate_bucket b where b.key = p_key;
  end if;
  v_tokens := least(p_capacity, coalesce(v_tokens + greatest(0, v_now - v_ts) * v_rate, p_capacity));
  allowed := v_tokens >= p_cost;
  if allowed and p_charge then v_tokens := v_tokens - p_cost; end if;
  retry_ms := case when allowed then 0 else ceil((p_cost - v_tokens) / v_rate) end;
  if p_charge then update ${PLATFORM_SCHEMA}.rate_bucket b set tokens = v_tokens, ts = v_now where b.key = p_key; end if;
  remaining := floor(v_tokens);
  reset_ms := ceil((p_capacity - v_tokens) / v_rate);
  return next;
end $$;
create or replace function ${PLATFORM_SCHEMA}.acquire_slot(p_key_set text, p_org_set text, p_limit int, p_org_limit int, p_lease float8, p_member text)
returns int language plpgsql as $$
declare v_now float8 := ${PLATFORM_SCHEMA}.now_ms();
begin
  perform pg_advisory_xact_lock(hashtext(s)) from unnest(array[p_key_set, p_org_set]) s order by hashtext(s);
  delete from ${PLATFORM_SCHEMA}.connection_lease where set_key in (p_key_set, p_org_set) and expires_at <= v_now;
  if (select count(*) from ${PLATFORM_SCHEMA}.connection_lease where set_key = p_key_set) >= p_limit then return 1; end if;
  if (select count(*) from ${PLATFORM_SCHEMA}.connection_lease where set_key = p_org_set) >= p_org_limit then return 2; end if;
  insert into ${PLATFORM_SCHEMA}.connection_lease values (p_key_set, p_member, v_now + p_lease), (p_org_set, p_member, v_now + p_lease)
    on conflict (set_key, member) do update set expires_at = excluded.expires_at;
  return 0;
end $$;
`;

/** Creates the schema, tables and functions (idempotent; concurrent starters are serialised). */
export async function preparePlatformTables(db: Queryable): Promise<void> {
  // One simple-protocol query: one connection, one transaction, under a lock for concurrent starters.
  await db.query(`begin; select pg_advisory_xact_lock(hashtext('${PLATFORM_SCHEMA}:setup')); ${SETUP}; commit;`);
}

export function createPostgresRateLimiter(options: BucketLimits & { db: Queryable; prefix: string; logger: Logger; timeoutMs?: number }): RateLimiter {
  const warn = throttledWarning(options.logger, 'rate limiter unavailable: serving requests without limits');
  const timeoutMs = options.timeoutMs ?? 250;
  const decide = async (subject: RateSubject, cost: number, charge: boolean) => {
    const [capacity, key] = capacityOf(options, subject);
    const charged = Math.min(capacity, Math.max(1, Math.ceil(cost)));
    try {
      const { rows } = await withTimeout(
        options.db.query(`select * from ${PLATFORM_SCHEMA}.take($1, $2, $3, $4, $5)`, [
          `${options.prefix}:${key}`,
          capacity,
          options.windowMs,
          charged,
          charge,
        ]),
        timeoutMs,
      );
      const r = rows[0] as { allowed: boolean; remaining: number; retry_ms: number; reset_ms: number };
      return {
        allowed: r.allowed,
        limit: capacity,
        remaining: Number(r.remaining),
        retryAfterSeconds: r.allowed ? 0 : Math.max(1, Math.ceil(Number(r.retry_ms) / 1000)),
        resetSeconds: Math.ceil(Number(r.reset_ms) / 1000),
      };
    } catch (error) {
      warn(error);
      return null;
    }
  };
  return { consume: (s, c) => decide(s, c, true), peek: (s, c) => decide(s, c, false) };
}

export function createPostgresConnectionSlots(options: {
  db: Queryable;
  prefix: string;
  limit: number;
  organizationLimit?: number;
  logger: Logger;
  leaseMs?: number;
  timeoutMs?: number;
}): ConnectionSlots {
  const { db, prefix, limit, logger } = options;
  const organizationLimit = options.organizationLimit ?? 2_147_483_647;
  const leaseMs = options.leaseMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 250;
  const warn = throttledWarning(logger, 'connection slots unavailable: admitting subscription connections without counting them');
  const held = new Set<string>();
  const releasing = new Set<Promise<void>>();
  const renew = async () => {
    if (!held.size) return;
    await withTimeout(
      db.query(`update ${PLATFORM_SCHEMA}.connection_lease set expires_at = ${PLATFORM_SCHEMA}.now_ms() + $2 where member = any($1::text[])`, [
        [...held],
        leaseMs,
      ]),
      timeoutMs,
    ).catch(warn);
  };
  const timer = setInterval(() => void renew(), Math.max(10, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    async acquire(apiKeyId, organizationId) {
      const member = randomUUID();
      try {
        const { rows } = await withTimeout(
          db.query(`select ${PLATFORM_SCHEMA}.acquire_slot($1, $2, $3, $4, $5, $6) as full`, [
            `${prefix}:${apiKeyId}`,
            `${prefix}:org:${organizationId}`,
            limit,
            organizationLimit,
            leaseMs,
            member,
          ]),
          timeoutMs,
        );
        const full = Number(rows[0]!.full);
        if (full === 1) return { admitted: false, scope: 'key', limit };
        if (full === 2) return { admitted: false, scope: 'organization', limit: organizationLimit };
      } catch (error) {
        warn(error);
      }
      held.add(member);
      let released = false;
      return {
        admitted: true,
        release() {
          if (released) return Promise.resolve();
          released = true;
          held.delete(member);
          const done = withTimeout(db.query(`delete from ${PLATFORM_SCHEMA}.connection_lease where member = $1`, [member]), timeoutMs).then(
            () => undefined,
            warn,
          );
          releasing.add(done);
          return done.finally(() => releasing.delete(done));
        },
      };
    },
    async close() {
      clearInterval(timer);
      await Promise.all(releasing);
    },
  };
}

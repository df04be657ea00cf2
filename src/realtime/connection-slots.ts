import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { throttledWarning, withTimeout } from '../http/rate-limit.js';
import type { Logger } from '../logger.js';

/**
 * Concurrent graphql-ws connections per API key and per organisation, counted in Redis so that
 * every API replica shares one count. An organisation may issue itself many keys, so the key's
 * count alone would let one tenant multiply its connections (and its fan-out work); the
 * organisation's count bounds them all together. Each admitted connection holds a lease: one
 * member, in a sorted set per key (`<prefix>:<apiKeyId>`) and in one per organisation
 * (`<prefix>:org:<organizationId>`), scored by the lease's expiry. The replica that holds the
 * connection renews its leases every third of `leaseMs` and removes them as soon as the socket
 * closes, however it closes; if the replica itself dies, its leases lapse within `leaseMs`.
 * Admission drops lapsed leases, checks both counts and adds to both, in one atomic step, with
 * Redis's clock, so replicas with skewed clocks agree. (On Redis Cluster the two sets must share
 * a slot: give QUEUE_PREFIX a hash tag such as `{bx}`, as BullMQ needs anyway.)
 *
 * Like the rate limiter it fails open: when Redis does not answer within `timeoutMs` the
 * connection is admitted and a warning logged (at most every ten seconds); the replica keeps the
 * connection in its own list, and the next renewal registers it once Redis answers again.
 */
export interface ConnectionSlots {
  /** Takes one of the key's slots and one of its organisation's: a lease to release when the socket closes, or a refusal naming the full one. */
  acquire(apiKeyId: string, organizationId: string): Promise<SlotDecision>;
  /** Stops renewing and waits for releases in flight (leases still held lapse by themselves). */
  close(): Promise<void>;
}

/** A refusal says which count is full (`key` is checked first) and its limit. */
export type SlotDecision = { admitted: true; release(): Promise<void> } | { admitted: false; scope: 'key' | 'organization'; limit: number };

export interface ConnectionSlotOptions {
  redis: Redis;
  /** Key prefix of the sets, e.g. `bx:ws`; tests use one of their own. */
  prefix: string;
  /** Most concurrent connections per API key, over all replicas. */
  limit: number;
  /** Most concurrent connections per organisation, all its keys together, over all replicas (default: no limit). */
  organizationLimit?: number;
  logger: Logger;
  /** How long a lease outlives its last renewal (default 30 s): how long a dead replica's connections still count. */
  leaseMs?: number;
  /** How long to wait for Redis before failing open (default 250 ms). */
  timeoutMs?: number;
}

/**
 * KEYS: the key's set, the organisation's. ARGV: key limit, organisation limit, lease, member.
 * Drops lapsed leases from both; admits the member to both if each has room. Returns
 * { admitted, full } where full is 1 for the key, 2 for the organisation.
 */
const ACQUIRE_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return { 0, 1 } end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return { 0, 2 } end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now + tonumber(ARGV[3]), ARGV[4])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return { 1, 0 }
`;

/** Extends the leases ARGV[2..] (adding any that Redis lost) and lets the set expire with its last lease. */
const RENEW_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0
`;

type Commands = {
  bxSlotAcquire(keySet: string, orgSet: string, limit: number, organizationLimit: number, leaseMs: number, member: string): Promise<[number, number]>;
  bxSlotRenew(key: string, leaseMs: number, ...members: string[]): Promise<number>;
};

export function createRedisConnectionSlots(options: ConnectionSlotOptions): ConnectionSlots {
  const { redis, prefix, limit, logger } = options;
  const organizationLimit = options.organizationLimit ?? Number.MAX_SAFE_INTEGER;
  const leaseMs = options.leaseMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 250;
  if (!('bxSlotAcquire' in redis)) redis.defineCommand('bxSlotAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
  if (!('bxSlotRenew' in redis)) redis.defineCommand('bxSlotRenew', { numberOfKeys: 1, lua: RENEW_LUA });
  const commands = redis as unknown as Commands;
  const warn = throttledWarning(logger, 'connection slots unavailable: admitting subscription connections without counting them');
  /** This replica's admitted connections, by Redis set (a key's or an organisation's): what it renews. */
  const held = new Map<string, Set<string>>();
  const releasing = new Set<Promise<void>>();
  const keySet = (apiKeyId: string) => `${prefix}:${apiKeyId}`;
  const organizationSet = (organizationId: string) => `${prefix}:org:${organizationId}`;

  const renew = async () => {
    await Promise.all(
      [...held].map(async ([set, members]) => {
        if (members.size === 0) return;
        try {
          await withTimeout(commands.bxSlotRenew(set, leaseMs, ...members), timeoutMs);
        } catch (error) {
          warn(error);
        }
      }),
    );
  };
  const timer = setInterval(() => void renew(), Math.max(10, Math.floor(leaseMs / 3)));
  timer.unref();

  const remember = (set: string, member: string) => held.set(set, (held.get(set) ?? new Set<string>()).add(member));
  const forget = (set: string, member: string) => {
    const members = held.get(set);
    members?.delete(member);
    if (members?.size === 0) held.delete(set);
  };

  return {
    async acquire(apiKeyId, organizationId) {
      const member = randomUUID();
      const sets = [keySet(apiKeyId), organizationSet(organizationId)] as const;
      try {
        const [admitted, full] = await withTimeout(commands.bxSlotAcquire(...sets, limit, organizationLimit, leaseMs, member), timeoutMs);
        if (admitted !== 1) return full === 2 ? { admitted: false, scope: 'organization', limit: organizationLimit } : { admitted: false, scope: 'key', limit };
      } catch (error) {
        // Fail open; if the script did run after all, the lease is released or lapses as any other.
        warn(error);
      }
      for (const set of sets) remember(set, member);
      let released = false;
      return {
        admitted: true,
        release() {
          if (released) return Promise.resolve();
          released = true;
          for (const set of sets) forget(set, member);
          const removal = redis.multi().zrem(sets[0], member).zrem(sets[1], member).exec();
          const done = withTimeout(removal, timeoutMs).then(() => undefined, warn);
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

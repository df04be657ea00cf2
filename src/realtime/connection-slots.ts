import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { throttledWarning, withTimeout } from '../http/rate-limit.js';
import type { Logger } from '../logger.js';

/**
 * Concurrent graphql-ws connections per API key, counted in Redis so that every API replica
 * shares one count per key. Each admitted connection holds a lease: a member of a sorted set per
 * key (`<prefix>:<apiKeyId>`) whose score is the lease's expiry. The replica that holds the
 * connection renews its leases every third of `leaseMs` and removes a lease as soon as the socket
 * closes, however it closes; if the replica itself dies, its leases lapse within `leaseMs`.
 * Admission drops lapsed leases, counts the rest and adds one, in one atomic step, with Redis's
 * clock, so replicas with skewed clocks agree.
 *
 * Like the rate limiter it fails open: when Redis does not answer within `timeoutMs` the
 * connection is admitted and a warning logged (at most every ten seconds); the replica keeps the
 * connection in its own list, and the next renewal registers it once Redis answers again.
 */
export interface ConnectionSlots {
  /** Takes one of the key's slots: a lease to release when the socket closes, or a refusal. */
  acquire(apiKeyId: string): Promise<SlotDecision>;
  /** Stops renewing and waits for releases in flight (leases still held lapse by themselves). */
  close(): Promise<void>;
}

export type SlotDecision = { admitted: true; release(): Promise<void> } | { admitted: false; limit: number };

export interface ConnectionSlotOptions {
  redis: Redis;
  /** Key prefix of the sets, e.g. `bx:ws`; tests use one of their own. */
  prefix: string;
  /** Most concurrent connections per API key, over all replicas. */
  limit: number;
  logger: Logger;
  /** How long a lease outlives its last renewal (default 30 s): how long a dead replica's connections still count. */
  leaseMs?: number;
  /** How long to wait for Redis before failing open (default 250 ms). */
  timeoutMs?: number;
}

/** Drops lapsed leases; admits the member if fewer than ARGV[1] remain. Returns { admitted, open }. */
const ACQUIRE_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local open = redis.call('ZCARD', KEYS[1])
if open >= tonumber(ARGV[1]) then return { 0, open } end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return { 1, open + 1 }
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
  bxSlotAcquire(key: string, limit: number, leaseMs: number, member: string): Promise<[number, number]>;
  bxSlotRenew(key: string, leaseMs: number, ...members: string[]): Promise<number>;
};

export function createRedisConnectionSlots(options: ConnectionSlotOptions): ConnectionSlots {
  const { redis, prefix, limit, logger } = options;
  const leaseMs = options.leaseMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 250;
  if (!('bxSlotAcquire' in redis)) redis.defineCommand('bxSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE_LUA });
  if (!('bxSlotRenew' in redis)) redis.defineCommand('bxSlotRenew', { numberOfKeys: 1, lua: RENEW_LUA });
  const commands = redis as unknown as Commands;
  const warn = throttledWarning(logger, 'connection slots unavailable: admitting subscription connections without counting them');
  /** This replica's admitted connections, by key: what it renews. */
  const held = new Map<string, Set<string>>();
  const releasing = new Set<Promise<void>>();
  const keyOf = (apiKeyId: string) => `${prefix}:${apiKeyId}`;

  const renew = async () => {
    await Promise.all(
      [...held].map(async ([apiKeyId, members]) => {
        if (members.size === 0) return;
        try {
          await withTimeout(commands.bxSlotRenew(keyOf(apiKeyId), leaseMs, ...members), timeoutMs);
        } catch (error) {
          warn(error);
        }
      }),
    );
  };
  const timer = setInterval(() => void renew(), Math.max(10, Math.floor(leaseMs / 3)));
  timer.unref();

  const forget = (apiKeyId: string, member: string) => {
    const members = held.get(apiKeyId);
    members?.delete(member);
    if (members?.size === 0) held.delete(apiKeyId);
  };

  return {
    async acquire(apiKeyId) {
      const member = randomUUID();
      try {
        const [admitted] = await withTimeout(commands.bxSlotAcquire(keyOf(apiKeyId), limit, leaseMs, member), timeoutMs);
        if (admitted !== 1) return { admitted: false, limit };
      } catch (error) {
        // Fail open; if the script did run after all, the lease is released or lapses as any other.
        warn(error);
      }
      const members = held.get(apiKeyId) ?? new Set<string>();
      members.add(member);
      held.set(apiKeyId, members);
      let released = false;
      return {
        admitted: true,
        release() {
          if (released) return Promise.resolve();
          released = true;
          forget(apiKeyId, member);
          const done = withTimeout(redis.zrem(keyOf(apiKeyId), member), timeoutMs).then(() => undefined, warn);
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

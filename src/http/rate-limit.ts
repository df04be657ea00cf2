import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * Per-caller rate limiting: a token bucket per API key (or per client IP for requests without a
 * valid key or signature), and one per organisation for signed quality ingestion, kept in Redis,
 * so every API replica shares one budget per caller. A bucket holds at most its capacity and
 * refills continuously at that capacity per `windowMs`; each request takes its cost (at least 1:
 * the query cost on /graphql, the number of events on /ingest/quality). A request the bucket
 * cannot pay for is refused and takes nothing.
 *
 * When Redis does not answer within `timeoutMs`, the limiter fails open: the request proceeds
 * without a decision (and without rate-limit headers) and a warning is logged, at most every
 * ten seconds. For the next five seconds it does not ask Redis at all, so an outage does not add
 * the timeout to every request. See docs/decisions.md for why.
 */

/**
 * Who pays: a key by its id (never its secret); an organisation for the batches it signs (a
 * budget of its own, apart from its keys'); a client address for everyone else.
 */
/** Whose bucket pays: a live key's own; a sandbox's, shared by all its keys; signed ingestion's per organisation; a client address's. */
export type RateSubject =
  { kind: 'key'; apiKeyId: string } | { kind: 'sandbox'; sandboxId: string } | { kind: 'ingest'; organizationId: string } | { kind: 'ip'; address: string };

export interface RateDecision {
  allowed: boolean;
  /** Bucket size: the most a caller can spend at once. */
  limit: number;
  /** Whole points left after this request. */
  remaining: number;
  /** When refused: seconds until the bucket holds enough for this request. 0 when allowed. */
  retryAfterSeconds: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
}

export interface RateLimiter {
  /** Charges `cost` points to the subject; null when Redis could not decide (fail-open). */
  consume(subject: RateSubject, cost: number): Promise<RateDecision | null>;
  /**
   * Whether the subject's bucket could pay `cost` now, without charging it: one Redis read, for
   * refusing work (authentication, parsing) that a caller without budget would never pay for.
   */
  peek(subject: RateSubject, cost: number): Promise<RateDecision | null>;
}

export interface RateLimitOptions {
  redis: Redis;
  /** Key prefix of the buckets, e.g. `bx:rl`; tests use one of their own. */
  prefix: string;
  /** Bucket size and refill per window for API keys. */
  points: number;
  /** Bucket size and refill per window for callers without a valid key or signature, per client address. */
  anonymousPoints: number;
  /** Bucket size and refill per window, in events, for signed quality ingestion, per organisation. */
  ingestPoints: number;
  windowMs: number;
  logger: Logger;
  /** How long to wait for Redis before failing open. */
  timeoutMs?: number;
}

/**
 * One atomic step of the bucket. Time comes from the Redis server, so replicas with skewed
 * clocks agree. State: a hash { tokens, ts } that expires once the bucket would be full anyway,
 * so idle callers cost no memory. Returns { allowed, remaining, retryAfterMs, resetMs }.
 */
const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local rate = capacity / window_ms
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local retry_ms = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry_ms = math.ceil((cost - tokens) / rate)
end
local reset_ms = math.ceil((capacity - tokens) / rate)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], reset_ms + 1000)
return { allowed, math.floor(tokens), retry_ms, reset_ms }
`;

/** The bucket's state as TOKEN_BUCKET_LUA would find it, without changing it (ARGV[3] is the cost to compare). */
const PEEK_LUA = `
local capacity = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local rate = capacity / window_ms
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local retry_ms = 0
if tokens >= cost then allowed = 1 else retry_ms = math.ceil((cost - tokens) / rate) end
return { allowed, math.floor(tokens), retry_ms, math.ceil((capacity - tokens) / rate) }
`;

const COMMAND = 'bxTokenBucket';
const PEEK_COMMAND = 'bxTokenBucketPeek';
const PAUSE_AFTER_FAILURE_MS = 5_000;
type BucketCommand = (key: string, capacity: number, windowMs: number, cost: number) => Promise<[number, number, number, number]>;

export function createRedisRateLimiter(options: RateLimitOptions): RateLimiter {
  const { redis, prefix, points, anonymousPoints, ingestPoints, windowMs, logger } = options;
  const timeoutMs = options.timeoutMs ?? 250;
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  if (!(PEEK_COMMAND in redis)) redis.defineCommand(PEEK_COMMAND, { numberOfKeys: 1, lua: PEEK_LUA });
  const commands = redis as unknown as Record<typeof COMMAND | typeof PEEK_COMMAND, BucketCommand>;
  const warn = throttledWarning(logger, 'rate limiter unavailable: serving requests without limits');
  let skipUntil = 0;
  const bucketOf = (subject: RateSubject): [number, string] => {
    switch (subject.kind) {
      case 'key':
        return [points, `${prefix}:key:${subject.apiKeyId}`];
      case 'sandbox':
        return [points, `${prefix}:sandbox:${subject.sandboxId}`];
      case 'ingest':
        return [ingestPoints, `${prefix}:ingest:${subject.organizationId}`];
      case 'ip':
        return [anonymousPoints, `${prefix}:ip:${subject.address}`];
    }
  };

  /** Runs one of the scripts for `cost` points of the subject's bucket; null (fail-open) when Redis does not answer. */
  const decide = async (command: typeof COMMAND | typeof PEEK_COMMAND, subject: RateSubject, cost: number): Promise<RateDecision | null> => {
    if (Date.now() < skipUntil) return null;
    const [capacity, key] = bucketOf(subject);
    // A request dearer than the whole bucket could never pass: it takes the full bucket instead.
    const charge = Math.min(capacity, Math.max(1, Math.ceil(cost)));
    try {
      const [allowed, remaining, retryMs, resetMs] = await withTimeout(commands[command](key, capacity, windowMs, charge), timeoutMs);
      return {
        allowed: allowed === 1,
        limit: capacity,
        remaining,
        retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
        resetSeconds: Math.ceil(resetMs / 1000),
      };
    } catch (error) {
      skipUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
      warn(error);
      return null;
    }
  };

  return {
    consume: (subject, cost) => decide(COMMAND, subject, cost),
    peek: (subject, cost) => decide(PEEK_COMMAND, subject, cost),
  };
}

/** The response headers that tell a client where its budget stands. */
export function rateLimitHeaders(decision: RateDecision): [string, string][] {
  const headers: [string, string][] = [
    ['x-ratelimit-limit', String(decision.limit)],
    ['x-ratelimit-remaining', String(decision.remaining)],
    ['x-ratelimit-reset', String(decision.resetSeconds)],
  ];
  if (!decision.allowed) headers.push(['retry-after', String(decision.retryAfterSeconds)]);
  return headers;
}

/** Logs Redis trouble once, then at most every ten seconds with a count: an outage must not flood the logs. */
export function throttledWarning(logger: Logger, message: string): (error: unknown) => void {
  let last = 0;
  let suppressed = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < 10_000) {
      suppressed += 1;
      return;
    }
    logger.warn({ err: (error as Error)?.message ?? String(error), suppressed }, message);
    last = now;
    suppressed = 0;
  };
}

/** `p`, or a rejection once `ms` have passed: Redis calls on a request's path never wait longer. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisRateLimiter, rateLimitHeaders, type RateLimiter } from '../src/http/rate-limit.js';
import { TEST_REDIS_URL } from './support/env.js';
import { deleteKeys } from './support/redis-keys.js';
import { describeNeeding } from './support/requires.js';

/**
 * The token bucket's Lua script against the real Redis, on a key prefix of this file's own. (The
 * API with rate limiting on, over HTTP and signed ingestion: rate-limit-http.test.ts.)
 */
let redis: Redis;
const prefix = `bx-test-rl-${randomBytes(4).toString('hex')}`;
const silent = pino({ level: 'silent' });
let n = 0;
const aKey = () => ({ kind: 'key' as const, apiKeyId: `key-${++n}` });
const limiter = (points: number, windowMs: number, anonymousPoints = points): RateLimiter =>
  createRedisRateLimiter({ redis, prefix, points, anonymousPoints, ingestPoints: points, windowMs, logger: silent });

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await deleteKeys(redis, `${prefix}:*`);
  redis.disconnect();
});

describeNeeding(import.meta.url, ['redis'])('Redis token bucket', () => {
  it('starts full and charges each request its cost', async () => {
    const l = limiter(100, 60_000);
    const key = aKey();
    expect(await l.consume(key, 30)).toEqual({ allowed: true, limit: 100, remaining: 70, retryAfterSeconds: 0, resetSeconds: 18 });
    expect(await l.consume(key, 0.2)).toMatchObject({ allowed: true, remaining: 69 });
  });

  it('refuses what the bucket cannot pay, takes nothing for it, and says when to retry', async () => {
    const l = limiter(10, 10_000);
    const key = aKey();
    expect((await l.consume(key, 8))?.allowed).toBe(true);
    const refused = await l.consume(key, 5);
    // 3 points short at 1 point per second.
    expect(refused).toMatchObject({ allowed: false, remaining: 2, retryAfterSeconds: 3, limit: 10 });
    expect(await l.consume(key, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(rateLimitHeaders(refused!)).toContainEqual(['retry-after', '3']);
  });

  it('peeks without charging: what consume would decide, and nothing taken', async () => {
    const l = limiter(10, 10_000);
    const key = aKey();
    // A bucket never used is full, and peeking creates nothing.
    expect(await l.peek(key, 1)).toMatchObject({ allowed: true, remaining: 10, limit: 10 });
    expect(await redis.exists(`${prefix}:key:${key.apiKeyId}`)).toBe(0);
    await l.consume(key, 9);
    expect(await l.peek(key, 1)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await l.peek(key, 1)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await l.peek(key, 4)).toMatchObject({ allowed: false, remaining: 1, retryAfterSeconds: 3 });
    expect(await l.consume(key, 1)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('keeps one bucket per subject, with the anonymous budget for addresses', async () => {
    const l = limiter(5, 60_000, 2);
    const a = aKey();
    await l.consume(a, 5);
    expect((await l.consume(a, 1))?.allowed).toBe(false);
    expect(await l.consume(aKey(), 1)).toMatchObject({ allowed: true, remaining: 4 });
    const ip = { kind: 'ip' as const, address: '203.0.113.7' };
    expect(await l.consume(ip, 1)).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    expect(await l.consume({ kind: 'ip', address: '203.0.113.8' }, 2)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refills continuously over the window', async () => {
    const l = limiter(10, 4_000);
    const key = aKey();
    await l.consume(key, 10);
    expect((await l.consume(key, 2))?.allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 1_000));
    // About 2.5 points back (2.5 per second): enough for 2, not for 10.
    expect((await l.consume(key, 10))?.allowed).toBe(false);
    expect((await l.consume(key, 2))?.allowed).toBe(true);
  });

  it('charges a request dearer than the whole bucket the whole bucket', async () => {
    const l = limiter(10, 60_000);
    const key = aKey();
    expect(await l.consume(key, 1_000)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('is atomic: concurrent requests never spend more than the bucket holds', async () => {
    const l = limiter(20, 3_600_000);
    const key = aKey();
    const decisions = await Promise.all(Array.from({ length: 60 }, () => l.consume(key, 1)));
    expect(decisions.filter((d) => d?.allowed)).toHaveLength(20);
  });

  it('lets idle buckets expire once they would be full again', async () => {
    const l = limiter(10, 2_000);
    const key = aKey();
    await l.consume(key, 5);
    const ttl = await redis.pttl(`${prefix}:key:${key.apiKeyId}`);
    // 5 points at 5 per second: full in 1 s, plus a second of slack.
    expect(ttl).toBeGreaterThan(1_500);
    expect(ttl).toBeLessThanOrEqual(2_000);
  });

  it('fails open, quickly and with one warning, when Redis does not answer, then stops asking it for a while', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    dead.on('error', () => {});
    try {
      const l = createRedisRateLimiter({ redis: dead, prefix, points: 10, anonymousPoints: 10, ingestPoints: 10, windowMs: 1_000, logger, timeoutMs: 200 });
      const started = Date.now();
      expect(await l.consume(aKey(), 1)).toBeNull();
      expect(Date.now() - started).toBeLessThan(1_000);
      // Then it stops asking for a while: the next requests do not wait for the timeout.
      const next = Date.now();
      for (let i = 0; i < 5; i++) expect(await l.consume(aKey(), 1)).toBeNull();
      expect(Date.now() - next).toBeLessThan(100);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: 'rate limiter unavailable: serving requests without limits' });
    } finally {
      dead.disconnect();
    }
  });
});

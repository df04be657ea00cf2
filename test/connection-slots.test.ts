import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createRedisConnectionSlots, type SlotDecision } from '../src/realtime/connection-slots.js';
import { TEST_REDIS_URL } from './support/env.js';
import { eventually } from './support/harness.js';
import { deleteKeys } from './support/redis-keys.js';
import { describeNeeding } from './support/requires.js';

/**
 * Connection slots (src/realtime/connection-slots.ts) against the real Redis: counts per key and
 * per organisation, atomic over several replicas, leases renewed, lapsed, re-registered, and
 * fail-open. The same limits over real sockets are in subscription-limits.test.ts and
 * tenant-limits.test.ts.
 */
let redis: Redis;
const silent = pino({ level: 'silent' });
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  redis.disconnect();
});

describeNeeding(import.meta.url, ['redis'])('Redis connection slots', () => {
  const prefix = `bx-test-ws-${randomBytes(4).toString('hex')}`;
  let n = 0;
  const aKeyId = () => `key-${++n}`;
  /** The organisation of these keys; its count has no limit unless a test sets one. */
  const ORG = 'an-organization';
  const opened: { close(): Promise<void> }[] = [];
  const slots = (limit: number, leaseMs?: number, organizationLimit?: number) => {
    const s = createRedisConnectionSlots({
      redis,
      prefix,
      limit,
      logger: silent,
      ...(leaseMs ? { leaseMs } : {}),
      ...(organizationLimit ? { organizationLimit } : {}),
    });
    opened.push(s);
    return s;
  };
  const admitted = (d: SlotDecision) => d.admitted;
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await deleteKeys(redis, `${prefix}:*`);
  });

  it('admits up to the limit per key, refuses the next, and frees a slot on release', async () => {
    const s = slots(2);
    const key = aKeyId();
    const [a, b] = [await s.acquire(key, ORG), await s.acquire(key, ORG)];
    expect([a, b].map(admitted)).toEqual([true, true]);
    expect(await s.acquire(key, ORG)).toEqual({ admitted: false, scope: 'key', limit: 2 });
    expect(admitted(await s.acquire(aKeyId(), ORG))).toBe(true);
    if (!a.admitted) throw new Error('unreachable');
    await a.release();
    // Releasing twice frees nothing more.
    await a.release();
    expect(await redis.zcard(`${prefix}:${key}`)).toBe(1);
    expect(admitted(await s.acquire(key, ORG))).toBe(true);
    expect(admitted(await s.acquire(key, ORG))).toBe(false);
  });

  it('is atomic: connections arriving together never take more slots than the limit, over several replicas', async () => {
    const [one, two] = [slots(5), slots(5)];
    const key = aKeyId();
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).acquire(key, ORG)));
    expect(decisions.filter(admitted)).toHaveLength(5);
    expect(await redis.zcard(`${prefix}:${key}`)).toBe(5);
  });

  it('counts an organisation’s connections over all its keys, atomically over several replicas, and frees both counts on release', async () => {
    const [one, two] = [slots(5, undefined, 4), slots(5, undefined, 4)];
    const org = `org-${++n}`;
    const keys = [aKeyId(), aKeyId(), aKeyId()];
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).acquire(keys[i % 3]!, org)));
    expect(decisions.filter(admitted)).toHaveLength(4);
    expect(decisions.find((d) => !d.admitted)).toEqual({ admitted: false, scope: 'organization', limit: 4 });
    expect(await redis.zcard(`${prefix}:org:${org}`)).toBe(4);
    const sizes = async () => Promise.all(keys.map((k) => redis.zcard(`${prefix}:${k}`)));
    expect((await sizes()).reduce((a, b) => a + b)).toBe(4);
    const first = decisions.find(admitted);
    if (!first?.admitted) throw new Error('unreachable');
    await first.release();
    expect(await redis.zcard(`${prefix}:org:${org}`)).toBe(3);
    expect((await sizes()).reduce((a, b) => a + b)).toBe(3);
    // Another organisation's keys are counted apart.
    expect(admitted(await one.acquire(aKeyId(), `org-${++n}`))).toBe(true);
  });

  it('keeps a live connection’s lease renewed, and lets a dead replica’s leases lapse', async () => {
    const key = aKeyId();
    const live = slots(2, 600);
    expect(admitted(await live.acquire(key, ORG))).toBe(true);
    const crashed = createRedisConnectionSlots({ redis, prefix, limit: 2, logger: silent, leaseMs: 600 });
    expect(admitted(await crashed.acquire(key, ORG))).toBe(true);
    // A replica that dies neither renews nor releases.
    await crashed.close();
    expect(admitted(await live.acquire(key, ORG))).toBe(false);
    // Only the dead replica's lease lapses: a slot frees, and just one.
    await eventually(async () => ((await live.acquire(key, ORG)).admitted ? true : null));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(admitted(await live.acquire(key, ORG))).toBe(false);
    // And the whole set goes away with its last lease.
    const ttl = await redis.pttl(`${prefix}:${key}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('registers its connections again when Redis has lost them', async () => {
    const key = aKeyId();
    const s = slots(3, 600);
    await s.acquire(key, ORG);
    await s.acquire(key, ORG);
    await redis.del(`${prefix}:${key}`);
    await eventually(async () => ((await redis.zcard(`${prefix}:${key}`)) === 2 ? true : null));
  });

  it('fails open, with one warning, when Redis does not answer', async () => {
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
    const s = createRedisConnectionSlots({ redis: dead, prefix, limit: 1, logger, timeoutMs: 200 });
    try {
      const decisions = [await s.acquire('k', ORG), await s.acquire('k', ORG)];
      expect(decisions.map(admitted)).toEqual([true, true]);
      for (const d of decisions) if (d.admitted) await d.release();
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: 'connection slots unavailable: admitting subscription connections without counting them' });
    } finally {
      await s.close();
      dead.disconnect();
    }
  });
});

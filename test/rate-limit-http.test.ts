import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { bootstrapOperator } from '../src/domain/access/organizations.js';
import { TEST_REDIS_URL } from './support/env.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import { anOrganization } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { postIngest, signedHeaders } from './support/ingest.js';
import { CREATE_ORG, ME, ROTATE_INGEST_SECRET } from './support/operations.js';
import { deleteKeys } from './support/redis-keys.js';
import { describeNeeding } from './support/requires.js';

/** The API with rate limiting on: GraphQL over HTTP and signed quality ingestion (the bucket itself: rate-limit.test.ts). */
let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  redis.disconnect();
});

describeNeeding(import.meta.url, ['redis'])('rate limiting over HTTP', () => {
  let h: Harness;
  // 30 points, 2.5 per second (slow enough that the refill between two requests stays below a
  // point even on a loaded machine: 400 ms); callers without a valid key get 4.
  beforeAll(async () => {
    h = await startHarness({ rateLimit: { points: 30, anonymousPoints: 4, windowMs: 12_000 } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await resetState(h);
    await deleteKeys(redis, `${h.rateLimitPrefix}:*`);
  });

  const send = async (query: string, key?: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };
  const budget = (r: { headers: Headers }) => ({
    limit: r.headers.get('x-ratelimit-limit'),
    remaining: r.headers.get('x-ratelimit-remaining'),
    reset: r.headers.get('x-ratelimit-reset'),
  });
  // 1 + 20 spikes: 21 points.
  const PAGE = '{ demandSpikes { nodes { id } } }';

  it('reports the budget on every response, charging each request its cost and refusals 1', async () => {
    const first = await send(ME, h.operatorKey);
    expect(first.status).toBe(200);
    // ME selects three objects: 3 points; 27 left, full again in 1.2 s.
    expect(budget(first)).toEqual({ limit: '30', remaining: '27', reset: '2' });
    expect(budget(await send(PAGE, h.operatorKey))).toMatchObject({ remaining: '6' });
    const invalid = await send('{ me { nope } }', h.operatorKey);
    expect(invalid.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(budget(invalid)).toMatchObject({ remaining: '5' });
    const page = 'demandSpikes(first: 100) { nodes { intervals { index } } }';
    const complex = await send(`{ a: ${page} b: ${page} c: ${page} }`, h.operatorKey);
    expect(complex.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(budget(complex)).toMatchObject({ remaining: '4' });
  });

  it('refuses a key over budget with 429 RATE_LIMITED and Retry-After; other keys are unaffected; the budget refills', async () => {
    expect((await send(PAGE, h.operatorKey)).status).toBe(200);
    const refused = await send(PAGE, h.operatorKey);
    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeUndefined();
    // 9 points left, 21 needed: 12 more at 2.5 per second.
    expect(refused.body.errors).toEqual([
      {
        message: 'Rate limit exceeded: this request costs 21 points and 9 are left; retry in 5 s',
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 5, cost: 21, limit: 30 },
      },
    ]);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(budget(refused)).toMatchObject({ limit: '30', remaining: '9' });

    const other = (await bootstrapOperator(h.orm.em.fork() as never, h.clock))!.secret;
    expect(budget(await send(PAGE, other))).toMatchObject({ remaining: '9' });

    // A client that waits as told gets through.
    await new Promise((r) => setTimeout(r, 5_000));
    const again = await send(PAGE, h.operatorKey);
    expect(again.status).toBe(200);
    expect(again.body.data.demandSpikes.nodes).toEqual([]);
  });

  it('refuses before execution: a mutation over budget writes nothing', async () => {
    await send(PAGE, h.operatorKey);
    const before = await rowCounts(h.orm);
    // createOrganization with its result: 12 points, 9 left.
    const r = await send(CREATE_ORG, h.operatorKey, { input: { name: 'Over budget', kind: 'BRAND' } });
    expect(r.status).toBe(429);
    expect(r.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('charges callers without a valid key to their address, so guessing keys is throttled too', async () => {
    const anonymous = await send('{ me { role } }');
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(budget(anonymous)).toEqual({ limit: '4', remaining: '3', reset: expect.any(String) });
    const guess = `bx_${h.operatorKey.slice(3, 11)}_${'A'.repeat(43)}`;
    const wrong = await send(ME, guess);
    expect(wrong.status).toBe(401);
    expect(budget(wrong)).toMatchObject({ limit: '4', remaining: '2' });
    await send(ME, guess);
    await send(ME, guess);
    const throttled = await send(ME, guess);
    expect(throttled.status).toBe(429);
    expect(throttled.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The real key, which shares the key's prefix, pays from its own bucket.
    expect((await send(ME, h.operatorKey)).status).toBe(200);
  });
});

describeNeeding(import.meta.url, ['redis'])('rate limiting signed quality ingestion', () => {
  let h: Harness;
  // A GraphQL budget large enough for the set-up; 10 events per organisation and 3 failed
  // signatures per address, both refilled over 10 s (1 event per second).
  beforeAll(async () => {
    h = await startHarness({ rateLimit: { points: 10_000, anonymousPoints: 3, ingestPoints: 10, windowMs: 10_000 } });
  });
  afterAll(async () => {
    await h.close();
  });

  let operator: { id: string; secret: string };
  let brand: { id: string; secret: string };
  let vendorId: string;
  let seq = 0;
  beforeEach(async () => {
    await resetState(h);
    const operatorOrg = ok(await gql(h.url, ME, {}, h.operatorKey)).me.organization.id as string;
    operator = { id: operatorOrg, secret: ok(await gql(h.url, ROTATE_INGEST_SECRET, {}, h.operatorKey)).rotateQualityIngestSecret.secret };
    const b = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
    brand = { id: b.id, secret: ok(await gql(h.url, ROTATE_INGEST_SECRET, {}, b.key)).rotateQualityIngestSecret.secret };
    vendorId = (await anOrganization(h.url, h.operatorKey, { kind: 'VENDOR', vendorType: 'OUTSOURCER', skills: ['billing'] })).id;
    await deleteKeys(redis, `${h.rateLimitPrefix}:*`);
  });

  /** A batch of `n` audits of the vendor (the operator's need no contract), each with an external id of its own. */
  const batch = (n: number) =>
    JSON.stringify({ events: Array.from({ length: n }, () => ({ externalId: `e-${++seq}`, kind: 'AUDIT', vendorId, auditResult: 'PASS' })) });
  /** A batch of `n` surveys that name no contract: every one is refused (docs/quality.md, evidence rules). */
  const unfounded = (n: number) =>
    JSON.stringify({ events: Array.from({ length: n }, () => ({ externalId: `e-${++seq}`, kind: 'CSAT', vendorId, score: 4 })) });
  const send = (signer: { id: string; secret: string }, body: string) => postIngest(h.url, body, signedHeaders(signer.secret, signer.id, body, h.clock.now()));
  const budget = (r: { headers: Headers }) => ({
    limit: r.headers.get('x-ratelimit-limit'),
    remaining: r.headers.get('x-ratelimit-remaining'),
    retryAfter: r.headers.get('retry-after'),
  });
  const storedEvents = async () => (await rowCounts(h.orm)).quality_event;

  it('charges a batch one point per event to its organisation, refuses what the budget cannot pay with 429 and changes nothing, then refills', async () => {
    const first = await send(operator, batch(6));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 6 });
    expect(budget(first)).toEqual({ limit: '10', remaining: '4', retryAfter: null });

    const before = await rowCounts(h.orm);
    const body = batch(6);
    const refusedHeaders = signedHeaders(operator.secret, operator.id, body, h.clock.now());
    const refused = await postIngest(h.url, body, refusedHeaders);
    expect(refused.status).toBe(429);
    // 4 points left, 6 needed: 2 more at 1 per second.
    expect(refused.body).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: 'Rate limit exceeded: this request costs 6 points and 4 are left; retry in 2 s',
        retryAfterSeconds: 2,
        cost: 6,
        limit: 10,
      },
    });
    expect(budget(refused)).toEqual({ limit: '10', remaining: '4', retryAfter: '2' });
    // Nothing written, not even the signature: the same request is accepted once the budget allows.
    expect(await rowCounts(h.orm)).toEqual(before);

    // Another organisation pays from its own budget, and the operator's API key from its own.
    // (The brand's surveys name no contract: they are refused one by one, and still cost.)
    const other = await send(brand, unfounded(3));
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ accepted: 0, rejected: 3 });
    expect(budget(other)).toMatchObject({ limit: '10', remaining: '7' });
    expect(
      (
        await fetch(h.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${h.operatorKey}` },
          body: JSON.stringify({ query: '{ me { role } }' }),
        })
      ).headers.get('x-ratelimit-limit'),
    ).toBe('10000');

    await new Promise((r) => setTimeout(r, 2_000));
    // The very same request, signature included.
    const again = await postIngest(h.url, body, refusedHeaders);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: 6, duplicates: 0 });
    expect(await storedEvents()).toBe(before.quality_event! + 6);
  });

  it('charges a malformed or oversized batch 1, not per event', async () => {
    for (const body of ['not json', '{"events":[]}', batch(5_001)]) {
      const r = await send(operator, body);
      expect(r.status).toBe(400);
      expect(r.headers.get('retry-after')).toBeNull();
    }
    const last = await send(operator, 'not json');
    expect(budget(last)).toMatchObject({ limit: '10', remaining: '6' });
    expect(await storedEvents()).toBe(0);
  });

  it('never charges the signer for a bad, stale or replayed signature: the client address pays, and gets 429 once its budget is spent', async () => {
    const body = batch(2);
    const headers = signedHeaders(operator.secret, operator.id, body, h.clock.now());
    expect((await postIngest(h.url, body, headers)).status).toBe(200);
    const before = await rowCounts(h.orm);

    const replayed = await postIngest(h.url, body, headers);
    expect(replayed.status).toBe(409);
    expect(budget(replayed)).toEqual({ limit: '3', remaining: '2', retryAfter: null });
    const tampered = await postIngest(h.url, body.replace('"auditResult":"PASS"', '"auditResult":"FAIL"'), headers);
    expect(tampered.status).toBe(401);
    expect(tampered.body.error.code).toBe('UNAUTHENTICATED');
    expect(budget(tampered)).toMatchObject({ limit: '3', remaining: '1' });
    const stale = await postIngest(h.url, body, signedHeaders(operator.secret, operator.id, body, new Date(h.clock.now().getTime() - 10 * 60_000)));
    expect(stale.body.error.code).toBe('STALE_TIMESTAMP');
    expect(budget(stale)).toMatchObject({ limit: '3', remaining: '0' });

    const throttled = await postIngest(h.url, body, { ...headers, 'x-burst-signature': `v1=${'0'.repeat(64)}` });
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toMatchObject({ code: 'RATE_LIMITED', cost: 1, limit: 3, retryAfterSeconds: expect.any(Number) });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // It is the budget GraphQL charges for wrong keys: one address, one budget.
    const wrongKey = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer bx_abcdefgh_${'A'.repeat(43)}` },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(wrongKey.status).toBe(429);
    expect(await rowCounts(h.orm)).toEqual(before);

    // The signer's own budget is untouched by the five refusals: 10 - 2 - 3 = 5 (more if a second passed).
    const genuine = await send(operator, batch(3));
    expect(genuine.status).toBe(200);
    expect(Number(genuine.headers.get('x-ratelimit-remaining'))).toBeGreaterThanOrEqual(5);
  });
});

import { Writable } from 'node:stream';
import type { Client } from 'graphql-ws';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gql } from './support/client.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import { subscribe, subscribeOn, wsClient, type Ended, type Subscribed } from './support/ws-client.js';

/**
 * A graphql-ws `subscribe` passes the limits of POST /graphql (tokens, depth, aliases, fields,
 * validation, variables, cost; operation-admission.ts) and pays its cost from the key's rate
 * budget; every refusal has a code, never INTERNAL_SERVER_ERROR, and is logged at warn level
 * without a stack. Real sockets, the real PostgreSQL and Redis.
 */

/** Every log line at warn and above, parsed. */
function capturedLogs() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk, _e, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { lines, logger };
}

/** How the subscription ended; it must have been refused with errors, not served. */
async function refusal(s: Subscribed): Promise<{ message: string; extensions?: Record<string, unknown> }[]> {
  const ended: Ended = await s.ended;
  if (ended.kind !== 'error' || !ended.errors) throw new Error(`not refused with errors: ${JSON.stringify(ended)}`);
  expect(s.received).toEqual([]);
  return ended.errors as never;
}

const OK_DOC = 'subscription { demandSpikePosted { eventId spike { id } } }';

describe('the limits of POST, over graphql-ws', () => {
  // Low limits, so that documents the schema allows can break each of them.
  const limits = { maxDepth: 3, maxAliases: 3, maxFields: 12, maxCost: 3, maxTokens: 200 };
  let h: Harness;
  const { lines, logger } = capturedLogs();
  const open: Subscribed[] = [];
  beforeAll(async () => {
    h = await startHarness({ queryLimits: limits, logger });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await resetState(h);
    lines.length = 0;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.dispose()));
  });
  const sub = (query: string, variables: Record<string, unknown> = {}, key = h.operatorKey) => {
    const s = subscribe(h.wsUrl, key, query, variables);
    open.push(s);
    return s;
  };
  const post = async (query: string) => {
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.operatorKey}` },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] } };
  };

  it('refuses a document over each limit with the code POST answers, and admits one within them', async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['depth', 'subscription { demandSpikePosted { spike { reserveRate { amountMinor } } } }', { code: 'QUERY_TOO_DEEP', depth: 4, limit: 3 }],
      [
        'depth in fragments',
        'subscription { ...F } fragment F on Subscription { demandSpikePosted { spike { reserveRate { amountMinor } } } }',
        { code: 'QUERY_TOO_DEEP', depth: 4, limit: 3 },
      ],
      ['aliases', 'subscription { demandSpikePosted { a: eventId b: eventId c: eventId d: eventId } }', { code: 'TOO_MANY_ALIASES', aliases: 4, limit: 3 }],
      ['fields', `subscription { demandSpikePosted { ${'eventId '.repeat(12)}} }`, { code: 'TOO_MANY_FIELDS', fields: 13, limit: 12 }],
      ['cost', 'subscription { demandSpikePosted { spike { id } b: spike { id } c: spike { id } } }', { code: 'QUERY_TOO_COMPLEX', cost: 4, limit: 3 }],
    ];
    for (const [limit, query, extensions] of cases) {
      const errors = await refusal(sub(query));
      expect([limit, errors.map((e) => e.extensions)]).toEqual([limit, [extensions]]);
      // The same numbers from the same functions on POST.
      expect([limit, (await post(query)).body.errors[0]!.extensions]).toEqual([limit, extensions]);
    }
    const tokens = await refusal(sub(`subscription { demandSpikePosted { ${'eventId '.repeat(200)}} }`));
    expect(tokens[0]).toMatchObject({ message: expect.stringMatching(/more th\w+ 200 tokens/), extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(h.events.listenerCount('demand_spike.posted')).toBe(0);

    sub(OK_DOC);
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 1 ? true : null), 5_000);
  });

  it('refuses invalid subscriptions with typed codes, logs them at warn level without a stack, and never as an internal error', async () => {
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['subscription { demandSpikePostd { eventId } }', {}, { code: 'GRAPHQL_VALIDATION_FAILED' }],
      ['subscription { demandSpikePosted { eventId', {}, { code: 'GRAPHQL_PARSE_FAILED' }],
      ['subscription($on: Boolean!) { demandSpikePosted { eventId @include(if: $on) } }', { on: 'yes' }, { code: 'BAD_USER_INPUT' }],
      ['subscription($on: Boolean!) { demandSpikePosted { eventId @include(if: $on) } }', {}, { code: 'BAD_USER_INPUT' }],
      ['{ me { role } }', {}, { code: 'BAD_REQUEST' }],
      ['subscription A { demandSpikePosted { eventId } } subscription B { bidOutcome { eventId } }', {}, { code: 'OPERATION_RESOLUTION_FAILURE' }],
    ];
    for (const [query, variables, extensions] of cases) {
      const errors = await refusal(sub(query, variables));
      expect([query, errors[0]!.extensions]).toEqual([query, expect.objectContaining(extensions)]);
    }
    await eventually(async () => (lines.filter((l) => l.msg === 'subscription refused').length === cases.length ? true : null), 5_000);
    expect(lines.map((l) => l.level)).toEqual(cases.map(() => 40));
    expect(JSON.stringify(lines)).not.toMatch(/stack|INTERNAL_SERVER_ERROR|\.ts:\d/);
    // Development suggests names; production does not (below).
    const [misspelt] = await refusal(sub('subscription { demandSpikePostd { eventId } }'));
    expect(misspelt!.message).toMatch(/Did you mean "demandSpikePosted"/);
  });
});

describe('production over graphql-ws', () => {
  let prod: Harness;
  beforeAll(async () => {
    prod = await startHarness({ production: true });
  });
  afterAll(async () => {
    await prod.close();
  });

  it('suggests no field names, in validation or in variables', async () => {
    await resetState(prod);
    const misspelt = subscribe(prod.wsUrl, prod.operatorKey, 'subscription { demandSpikePostd { eventId spike { titel } } }');
    const errors = await refusal(misspelt);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(e.message).not.toMatch(/Did you mean/);
    }
    const badVariable = subscribe(prod.wsUrl, prod.operatorKey, 'subscription($on: Boolean!) { demandSpikePosted { eventId @include(if: $on) } }', {
      on: 'yes',
    });
    expect((await refusal(badVariable))[0]!.extensions?.code).toBe('BAD_USER_INPUT');
    await Promise.all([misspelt.dispose(), badVariable.dispose()]);
  });
});

describe('the rate budget, over graphql-ws', () => {
  // A day-long window: nothing refills noticeably while a test runs.
  let h: Harness;
  const clients: Client[] = [];
  beforeAll(async () => {
    h = await startHarness({ rateLimit: { points: 120, anonymousPoints: 3, windowMs: 86_400_000 } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await resetState(h);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  const remaining = async (key: string) => {
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    return { status: res.status, remaining: Number(res.headers.get('x-ratelimit-remaining')) };
  };
  // 1 (the subscription) + 1 (the spike) + 48 (its intervals, at their expected size): 50 points.
  const DEAR = 'subscription { demandSpikePosted { spike { intervals { index } } } }';

  it('charges each subscription its cost to the key, the budget POST spends too, and refuses one it cannot pay with RATE_LIMITED', async () => {
    const key = h.operatorKey;
    const c = wsClient(h.wsUrl, key);
    clients.push(c);
    const first = subscribeOn(c, DEAR);
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 1 ? true : null), 5_000);
    // An invalid document costs 1, as on POST.
    expect((await refusal(subscribeOn(c, 'subscription { nope }')))[0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // 120 - 1 (the connection) - 50 - 1 - 1 (this request).
    expect(await remaining(key)).toEqual({ status: 200, remaining: 67 });
    subscribeOn(c, DEAR);
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 2 ? true : null), 5_000);
    const [refused] = await refusal(subscribeOn(c, DEAR));
    expect(refused).toMatchObject({ extensions: { code: 'RATE_LIMITED', cost: 50, limit: 120, retryAfterSeconds: expect.any(Number) } });
    expect(refused!.extensions).not.toHaveProperty('http');
    // The refusal took nothing: 17 left, of which this request takes 1.
    expect(await remaining(key)).toEqual({ status: 200, remaining: 16 });
    expect(h.events.listenerCount('demand_spike.posted')).toBe(2);
    expect(first.endedNow()).toBeNull();
  });

  it('charges a bad key at connection time to the client address, the budget of wrong keys on POST, and closes with 4429 once it is spent', async () => {
    const bad = `bx_nokey000_${'A'.repeat(43)}`;
    for (let i = 0; i < 3; i++) expect(await subscribe(h.wsUrl, bad, OK_DOC).ended).toMatchObject({ kind: 'error', code: 4401 });
    expect(await subscribe(h.wsUrl, bad, OK_DOC).ended).toMatchObject({ kind: 'error', code: 4429, reason: expect.stringMatching(/^RATE_LIMITED: /) });
    expect(await subscribe(h.wsUrl, undefined, OK_DOC).ended).toMatchObject({ kind: 'error', code: 4429 });
    const wrongOnPost = await gql(h.url, '{ me { role } }', {}, bad);
    expect([wrongOnPost.status, wrongOnPost.errors?.[0]?.extensions?.code]).toEqual([429, 'RATE_LIMITED']);
    // A good key is not affected.
    expect((await remaining(h.operatorKey)).status).toBe(200);
  });
});

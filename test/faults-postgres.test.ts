import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconciliation } from '../src/domain/settlement/finance-queries.js';
import { DEFAULT_POLICY } from '../src/domain/settlement/settle-contract.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { createSecretBox } from '../src/domain/webhooks/secret-box.js';
import { createOrm, type MikroORM } from '../src/persistence/orm.js';
import { redisQueueBackend } from '../workers/queue-backend.js';
import { SETTLE_CONTRACT, SETTLE_JOB_OPTIONS, settleJobId } from '../workers/queues.js';
import { startWorkerStack, type WorkerSettings } from '../workers/worker-stack.js';
import { aBid, aBidInput, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/env.js';
import { count, expectClearedOnce, expectUnavailable, INTERNALS, prefix, rows, spikeRow, within } from './support/fault-checks.js';
import { freshOperator, startApi, type FaultApi } from './support/fault-stack.js';
import { PgProxy, sleep } from './support/faults.js';
import { eventually, TEST_WEBHOOK_KEY } from './support/harness.js';
import * as op from './support/operations.js';
import { describeNeeding } from './support/requires.js';

/**
 * Fault injection: PostgreSQL connections cut, silenced and refused by a TCP proxy the test runs
 * in front of the database (never the machine's PostgreSQL itself). See README, "Fault injection".
 */

const API_POOL_SIZE = 10; // startApi's pool
const CONNECT_TIMEOUT_MS = 1_000; // the API's wait for a connection in the PostgreSQL tests (10 s in production)
const FAULT_WORKER_SETTINGS: WorkerSettings = {
  concurrency: 1,
  sweepIntervalMs: 3_600_000,
  scoreRefreshMs: 3_600_000,
  outboxPollMs: 250,
  settlementPolicy: DEFAULT_POLICY,
  webhooks: { retry: { attempts: 3, backoffMs: 50 }, timeoutMs: 2_000, allowPrivateNetworks: true },
};

describeNeeding(import.meta.url, ['tcp-proxy', 'separate-processes'])('PostgreSQL connections dropped', () => {
  let proxy: PgProxy;
  let api: FaultApi;
  let db: MikroORM; // straight to PostgreSQL, for setup and assertions
  let m: Market;
  const target = new URL(TEST_DATABASE_URL);
  const queuePrefix = prefix();

  beforeAll(async () => {
    proxy = await new PgProxy({ host: target.hostname, port: Number(target.port || 5432) }).start();
    db = await createOrm(TEST_DATABASE_URL, 2);
    const operatorKey = await freshOperator(db);
    api = await startApi({ databaseUrl: proxy.urlFor(TEST_DATABASE_URL), redisUrl: TEST_REDIS_URL, prefix: queuePrefix, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    m = await aMarket(api.url, operatorKey);
  });
  afterAll(async () => {
    proxy?.close();
    if (api) {
      for (const queue of [api.queues.clearing, api.queues.settlement, api.queues.quality]) await queue.obliterate({ force: true });
      await api.close();
    }
    await db?.close();
  });

  it('answers requests caught by the cut with SERVICE_UNAVAILABLE, writes nothing twice, and serves the retries', async () => {
    const spikeId = await anOpenSpike(api.url, systemClock, m.brand.key);
    const bidA = { input: aBidInput(spikeId), key: 'cut-a' };

    // 1. Every connection drops while six requests wait on PostgreSQL (held by the proxy).
    const { secret } = ok(await gql(api.url, op.ROTATE_INGEST_SECRET, {}, m.brand.key)).rotateQualityIngestSecret;
    const body = JSON.stringify({ events: [] });
    const ts = String(Math.floor(Date.now() / 1000));
    proxy.pause();
    const ingest = fetch(`${api.base}/ingest/quality`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-burst-organization': m.brand.id,
        'x-burst-timestamp': ts,
        'x-burst-signature': `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
      },
    });
    const inFlight = [
      gql(api.url, op.PLACE_BID, bidA, m.vendorA.key),
      gql(api.url, op.PLACE_BID, { input: aBidInput(spikeId), key: 'cut-b' }, m.vendorB.key),
      gql(api.url, op.ME, {}, m.vendorC.key),
      gql(api.url, op.SPIKES, { first: 10 }, m.brand.key),
      gql(api.url, op.CLOSE, { id: spikeId }, m.brand.key),
    ];
    await eventually(async () => (proxy.held >= inFlight.length + 1 ? true : null), 10_000);
    proxy.cutAll();
    proxy.resume();
    for (const res of await Promise.all(inFlight)) expectUnavailable(res, 503);
    const ingested = await ingest;
    expect([ingested.status, ingested.headers.get('retry-after')]).toEqual([503, '1']);
    expect(await ingested.json()).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: expect.not.stringMatching(INTERNALS) } });
    expect(await count(db, 'select count(*)::int as n from bid')).toBe(0);

    // 2. The bid's insert commits but its reply is lost: the retry with the same key returns that bid.
    const committed = proxy.cutOn(/insert into bid /, 'after');
    const lost = await gql(api.url, op.PLACE_BID, bidA, m.vendorA.key);
    await committed;
    expectUnavailable(lost, 200); // after authentication: an error of the field, the HTTP exchange itself succeeded
    const retried = ok(await gql(api.url, op.PLACE_BID, bidA, m.vendorA.key)).placeBid;
    expect(retried.__typename).toBe('Bid');
    expect(await rows(db, 'select id from bid where vendor_id = ?', [m.vendorA.id])).toEqual([{ id: retried.id }]);

    // 3. closeBidding loses its connection just before COMMIT, as many times as the API has
    //    connections (10): each attempt is rolled back and the spike is still OPEN.
    for (let i = 0; i < API_POOL_SIZE; i++) {
      const beforeCommit = proxy.cutOn(/^Q.*\bcommit\b/is, 'before');
      const close = await gql(api.url, op.CLOSE, { id: spikeId }, m.brand.key);
      await beforeCommit;
      expectUnavailable(close, 200);
    }
    expect((await spikeRow(db, spikeId)).status).toBe('OPEN');
    expect(await count(db, `select count(*)::int as n from state_transition where entity_id = ? and to_status = 'CLOSED'`, [spikeId])).toBe(0);

    // No dead connection stays checked out (each would be lost to the pool for good, and with all
    // ten gone every request would wait forever): the retries are served.
    expect(ok(await within(5_000, gql(api.url, op.PLACE_BID, { input: aBidInput(spikeId), key: 'cut-b' }, m.vendorB.key))).placeBid.__typename).toBe('Bid');
    expect(ok(await within(5_000, gql(api.url, op.CLOSE, { id: spikeId }, m.brand.key))).closeBidding).toMatchObject({ status: 'CLOSED' });
    expect(await count(db, 'select count(*)::int as n from bid where spike_id = ?', [spikeId])).toBe(2);
    expect(api.logs.filter((l) => l.msg === 'unexpected error')).toEqual([]);
  });

  it('retries a clearing and a settlement whose connections drop mid-job, and each takes effect once', async () => {
    const spikeId = await anOpenSpike(api.url, systemClock, m.brand.key);
    await aBid(api.url, m.vendorA.key, spikeId, { rate: { amountMinor: '2000', currency: 'USD' } });
    await aBid(api.url, m.vendorB.key, spikeId, { rate: { amountMinor: '2400', currency: 'USD' } });
    ok(await gql(api.url, op.CLOSE, { id: spikeId }, m.brand.key)); // writes the clearing's outbox event; no relay or worker runs yet

    // Clearing: the connection drops in the middle of writing the result; the transaction rolls back.
    const midClearing = proxy.cutOn(/insert into "clearing_result"/, 'before');
    const workerOrm = await createOrm(proxy.urlFor(TEST_DATABASE_URL), 4);
    const logger = pino({ level: 'silent' });
    const backend = redisQueueBackend({ url: TEST_REDIS_URL, prefix: queuePrefix, logger });
    const { settlement } = api.queues;
    // The clearing and settlement workers as production composes them, through the proxy, with the
    // relay run once by hand: it turns the close into the clearing job, while the contracts' own
    // events stay in the outbox, so the test enqueues each settlement itself.
    const stack = await startWorkerStack({
      orm: workerOrm,
      clock: systemClock,
      logger,
      backend,
      secrets: createSecretBox(TEST_WEBHOOK_KEY),
      settings: { ...FAULT_WORKER_SETTINGS, concurrency: 1 },
      run: { consume: ['clearing', 'settlement'], relay: false, schedules: false },
    });
    const failures: string[] = [];
    for (const w of stack.workers) w.on('failed', (job, err) => failures.push(`${job?.name}: ${err.message}`));
    try {
      await stack.relayOnce();
      await midClearing;
      await eventually(async () => ((await spikeRow(db, spikeId)).status === 'AWARDED' ? true : null), 20_000);
      const bids = (await rows(db, 'select id from bid where spike_id = ?', [spikeId])).map((r) => r.id as string);
      await expectClearedOnce(db, [spikeId], bids);
      const contracts = (await rows(db, 'select id from contract where spike_id = ? order by vendor_id', [spikeId])).map((r) => r.id as string);
      expect(contracts).toHaveLength(2);
      await db.em.getConnection().execute(
        `
        insert into delivery_report (id, contract_id, interval_index, source, staffed_units, contacts_handled, service_level_ppm, reported_at)
        select gen_random_uuid(), c.id, (s->>'index')::int, 'VENDOR', 10000, 10, 800000, now() from contract c, jsonb_array_elements(c.seats) s where c.spike_id = ?`,
        [spikeId],
      );

      // Settlement 1: the connection drops just before COMMIT (rolled back). Settlement 2: the COMMIT
      // runs but its reply is lost (the retry must find it settled, not post it again).
      for (const [contractId, when] of [
        [contracts[0]!, 'before'],
        [contracts[1]!, 'after'],
      ] as const) {
        const cut = proxy.cutOn(/^Q.*\bcommit\b/is, when);
        await settlement.add(SETTLE_CONTRACT, { contractId, force: true }, { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId) });
        await cut;
        await eventually(async () => {
          const jobs = await settlement.getJobCounts('wait', 'active', 'delayed');
          return jobs.wait! + jobs.active! + jobs.delayed! === 0 ? true : null;
        }, 20_000);
      }
      // Each job failed once on the lost connection, and its retry succeeded.
      expect(failures).toEqual([
        expect.stringMatching(/^clear-spike: Connection terminated/),
        expect.stringMatching(/^settle-contract: Connection terminated/),
        expect.stringMatching(/^settle-contract: Connection terminated/),
      ]);
      for (const contractId of contracts) {
        expect(await count(db, 'select count(*)::int as n from settlement where contract_id = ?', [contractId])).toBe(1);
        expect(await count(db, 'select count(*)::int as n from invoice where contract_id = ?', [contractId])).toBe(1);
      }
      expect(await count(db, `select count(*)::int as n from ledger_transaction where kind = 'SETTLEMENT'`)).toBe(2);
      const operator = {
        apiKeyId: '',
        organizationId: '',
        organizationKind: 'OPERATOR' as const,
        role: 'OPERATOR' as const,
        vendorType: null,
        parentBrandId: null,
      };
      expect(await reconciliation(db.em.fork() as never, operator)).toMatchObject({ balanced: true, discrepancies: [] });
    } finally {
      await stack.close();
      await backend.close();
      await workerOrm.close();
    }
  });

  it('answers within the connect timeout while PostgreSQL does not answer at all', async () => {
    proxy.cutAll();
    await sleep(200); // the pool notices its idle connections are gone
    proxy.pause(); // new connections are accepted, then nothing comes back: a host gone silent
    const started = Date.now();
    const res = await within(CONNECT_TIMEOUT_MS + 3_000, gql(api.url, op.ME, {}, m.vendorA.key));
    expectUnavailable(res, 503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 100);
    proxy.resume();
    expect(ok(await within(5_000, gql(api.url, op.ME, {}, m.vendorA.key))).me.organization.id).toBe(m.vendorA.id);
  });

  it('refuses quickly while PostgreSQL refuses connections, and is ready again as soon as it accepts', async () => {
    proxy.refuseNew();
    proxy.cutAll();
    const started = Date.now();
    expectUnavailable(await gql(api.url, op.ME, {}, m.vendorA.key), 503);
    expect(Date.now() - started).toBeLessThan(2_000);
    const ready = await fetch(`${api.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { postgres: 'unreachable' } });
    await proxy.acceptNew();
    expect(ok(await gql(api.url, op.ME, {}, m.vendorA.key)).me.organization.id).toBe(m.vendorA.id);
    expect((await fetch(`${api.base}/readyz`)).status).toBe(200);
  });
});

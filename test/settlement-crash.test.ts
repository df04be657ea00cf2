import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { reconciliation } from '../src/domain/settlement/finance-queries.js';
import { pino } from 'pino';
import { redisQueueBackend } from '../workers/queue-backend.js';
import { SETTLE_CONTRACT, SETTLE_JOB_OPTIONS, settleJobId } from '../workers/queues.js';
import { aBid, aMarket, anOpenSpike, anOrganization } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/env.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { startWorkerProcess } from './support/fault-stack.js';
import { describeNeeding } from './support/requires.js';

/**
 * Exactly once under a crash: a worker process is killed with SIGKILL in the middle of a batch
 * of 200 settlements and started again. Every contract ends with exactly one settlement, one
 * invoice and one ledger transaction, and the books reconcile.
 */
let h: Harness;
const prefix = `bx-crash-${process.pid}`;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function startWorker(): ChildProcess {
  return startWorkerProcess({
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: '8',
    WORKER_LOCK_MS: '2000',
    SWEEP_INTERVAL_MS: '3600000',
    WORKER_HEALTH_PORT: '0',
  }).child;
}

const count = async (sql: string) => Number((await h.orm.em.getConnection().execute(sql))[0]!.n);

describeNeeding(import.meta.url, ['separate-processes'])('settlement workers killed mid-batch', () => {
  it('settles 200 contracts exactly once across a SIGKILL and a restart', async () => {
    await resetState(h);
    const m = await aMarket(h.url, h.operatorKey);
    const vendors = [m.vendorA, m.vendorB, m.vendorC, m.inHouse];
    for (let i = 0; i < 6; i++)
      vendors.push(await anOrganization(h.url, h.operatorKey, { kind: 'VENDOR', vendorType: 'OUTSOURCER', skills: ['billing'], certifications: ['PCI_DSS'] }));
    // 20 spikes in the past × 10 vendors with one seat each = 200 contracts, all over.
    const now = h.clock.now();
    h.clock.set(new Date(now.getTime() - 3 * 86_400_000));
    for (let s = 0; s < 20; s++) {
      const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
      for (const v of vendors) await aBid(h.url, v.key, spikeId, { offered: [0, 1, 2, 3].map((index) => ({ index, seats: 1 })) });
      ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
      await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
    }
    h.clock.set(now);
    // Full actuals for every awarded interval (set up directly: the reporting path is tested elsewhere).
    await h.orm.em.getConnection().execute(`
      insert into delivery_report (id, contract_id, interval_index, source, staffed_units, contacts_handled, service_level_ppm, reported_at)
      select gen_random_uuid(), c.id, (s->>'index')::int, 'VENDOR', 5000, 10, 800000, now() from contract c, jsonb_array_elements(c.seats) s`);
    // The test enqueues every settlement itself: the relay of the worker processes must not schedule
    // them as well (a day after the clearing's clock, under the same job ids, absorbing the test's).
    await h.orm.em.getConnection().execute(`update domain_event set published_at = now() where kind = 'INTERNAL'`);
    const contracts = (await h.orm.em.getConnection().execute<{ id: string }[]>('select id from contract')).map((r) => r.id);
    expect(contracts).toHaveLength(200);

    const backend = redisQueueBackend({ url: TEST_REDIS_URL, prefix, logger: pino({ level: 'silent' }) });
    const queues = backend.queues('producers');
    try {
      await queues.settlement.obliterate({ force: true });
      let worker = startWorker();
      await queues.settlement.addBulk(
        contracts.map((contractId) => ({
          name: SETTLE_CONTRACT,
          data: { contractId, force: true },
          opts: { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId) },
        })),
      );
      await eventually(async () => ((await count('select count(*)::int as n from settlement')) >= 20 ? true : null), 60_000);
      worker.kill('SIGKILL');
      await once(worker, 'exit');
      const atKill = await count('select count(*)::int as n from settlement');
      expect(atKill).toBeLessThan(200);
      // Duplicates of already-settled jobs, as a retry storm would produce.
      await queues.settlement.addBulk(
        contracts
          .slice(0, 50)
          .map((contractId) => ({ name: SETTLE_CONTRACT, data: { contractId, force: true }, opts: { ...SETTLE_JOB_OPTIONS, jobId: `dup-${contractId}` } })),
      );
      worker = startWorker();
      await eventually(async () => ((await count('select count(*)::int as n from settlement')) === 200 ? true : null), 90_000);
      await eventually(
        async () =>
          (await queues.settlement.getJobCounts('wait', 'active', 'delayed')).wait === 0 && (await queues.settlement.getActiveCount()) === 0 ? true : null,
        60_000,
      );
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    } finally {
      await queues.settlement.obliterate({ force: true });
      await backend.close();
    }
    expect(await count('select count(*)::int as n from (select contract_id from settlement group by contract_id having count(*) <> 1) x')).toBe(0);
    expect(await count('select count(*)::int as n from invoice')).toBe(200);
    expect(await count(`select count(*)::int as n from ledger_transaction where kind = 'SETTLEMENT'`)).toBe(200);
    expect(await count('select count(*)::int as n from ledger_entry')).toBe(600);
    const operator = {
      apiKeyId: '',
      organizationId: '',
      organizationKind: 'OPERATOR' as const,
      role: 'OPERATOR' as const,
      vendorType: null,
      parentBrandId: null,
    };
    expect(await reconciliation(h.orm.em.fork() as never, operator)).toMatchObject({ balanced: true, discrepancies: [] });
  }, 240_000);
});

/**
 * Settlement throughput: 10,000 contracts with 48 intervals of actuals each, settled by two
 * worker processes (the real workers/main.ts), against a baseline measured in the same run: two
 * processes running a no-op BullMQ worker at the same concurrency over the same number of jobs.
 *
 *   npm run bench:settlement            CONTRACTS=10000 CONCURRENCY=8 npm run bench:settlement
 *   BURST_PROFILE=postgres npm run bench:settlement   (BullMQ's PostgreSQL backend, no Redis)
 *   BURST_PROFILE=embedded npm run bench:settlement   (PGlite; also with no DATABASE_URL/REDIS_URL)
 *
 * Embedded: one PGlite serves one process, so the worker stack (and the no-op baseline worker, on
 * the same PGlite pool) run in this process, one at a time, and the figures include its peak RSS.
 * It runs one transaction at a time on one connection: it is not for load, so the defaults are
 * small there (CONTRACTS=200, CONCURRENCY=4).
 *
 * Uses its own database (BENCH_DATABASE_URL, default .../burst_exchange_bench), emptied first.
 * Prints figures; asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import type { JobsOptions } from 'bullmq';
import { bootstrapOperator, createOrganization } from '../src/domain/access/organizations.js';
import type { Principal } from '../src/domain/access/principal.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { BENCH_DATABASE_URL, freshBenchDatabase } from './support/database.js';
import { SETTLE_CONTRACT, SETTLE_JOB_OPTIONS, SETTLEMENT_QUEUE, settleJobId } from '../workers/queues.js';
import { BENCH_PROFILE, benchQueue, benchWorker, closeBenchQueues } from './support/bench-queues.js';
import { openEmbedded } from '../src/persistence/embedded/embedded-database.js';
import { startEmbeddedStack } from './support/embedded-stack.js';
import { EMBEDDED, memoryLine, sampleRss } from './support/profile.js';

const CONTRACTS = Number(process.env.CONTRACTS ?? (EMBEDDED ? 200 : 10_000));
const CONCURRENCY = Number(process.env.CONCURRENCY ?? (EMBEDDED ? 4 : 8));
const VENDORS = 100;
const SPIKES = Math.ceil(CONTRACTS / VENDORS);
const DB = BENCH_DATABASE_URL;
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `bx-bench-${process.pid}`;

const orm = await freshBenchDatabase();
const sql = orm.em.getConnection();

console.log(`Seeding ${CONTRACTS} contracts × 48 intervals of actuals (${CONTRACTS * 48} delivery reports)...`);
const t0 = performance.now();
const em = () => orm.em.fork();
const op = (await bootstrapOperator(em(), systemClock))!;
const operator: Principal = {
  apiKeyId: op.apiKey.id,
  organizationId: op.apiKey.organizationId,
  organizationKind: 'OPERATOR',
  role: 'OPERATOR',
  vendorType: null,
  parentBrandId: null,
};
const brand = await createOrganization(em(), systemClock, operator, { name: 'Bench brand', kind: 'BRAND' });
if (!brand.ok) throw new Error(brand.failure.message);
for (let i = 0; i < VENDORS; i++)
  await createOrganization(em(), systemClock, operator, { name: `Bench vendor ${i}`, kind: 'VENDOR', vendorType: 'OUTSOURCER', skills: ['billing'] });
const brandId = brand.value.id;
// Spikes, bids, clearing results and contracts straight in SQL: only settlement is measured.
await sql.execute(
  `
  create temporary table bench_spike as
  select gen_random_uuid() as id, g as n from generate_series(1, ?) g`,
  [SPIKES],
);
await sql.execute(
  `
  insert into demand_spike (id, brand_id, title, channel, required_skills, required_certifications, time_zone, interval_minutes, intervals,
    service_level_target, service_level_seconds, max_occupancy, shrinkage, chat_concurrency, reserve_rate_minor, currency, quality_weight,
    bidding_closes_at, outsourcing_model, status, created_at, updated_at)
  select s.id, ?, 'Bench spike ' || s.n, 'CHAT', '{}', '{}', 'UTC', 30,
    (select jsonb_agg(jsonb_build_object('index', i, 'startsAt', to_char(timestamptz '2026-01-01T00:00:00Z' + i * interval '30 minutes', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'requiredSeats', 500)) from generate_series(0, 47) i),
    0.8, 20, 0.85, 0, 1, 3000, 'USD', 1, timestamptz '2025-12-31T00:00:00Z', 'NETWORK_DELIVERED', 'AWARDED', now(), now()
  from bench_spike s`,
  [brandId],
);
await sql.execute(
  `insert into clearing_result (spike_id, status, solver, covered_seat_hours, adjusted_cost, intervals, created_at) select id, 'OPTIMAL', 'GREEDY', 0, 0, '[]', now() from bench_spike`,
);
await sql.execute(`
  insert into bid (id, spike_id, vendor_id, status, rate_minor, currency, offered, version, idempotency_key, payload_hash, submitted_at, created_at, updated_at)
  select gen_random_uuid(), s.id, o.id, 'WON', 2000 + (abs(hashtext(o.id::text)) % 900), 'USD', '[]', 1, 'bench-' || s.n, 'x', now(), now(), now()
  from bench_spike s cross join organization o where o.kind = 'VENDOR'`);
await sql.execute(
  `
  insert into contract (id, spike_id, brand_id, vendor_id, bid_id, status, rate_minor, currency, interval_minutes, seats, service_level_target,
    service_level_seconds, credit_per_point, credit_cap, starts_at, ends_at, created_at, needs_settlement)
  select gen_random_uuid(), b.spike_id, ?, b.vendor_id, b.id, 'DELIVERED', b.rate_minor, 'USD', 30,
    (select jsonb_agg(jsonb_build_object('index', i, 'startsAt', to_char(timestamptz '2026-01-01T00:00:00Z' + i * interval '30 minutes', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'seats', 2)) from generate_series(0, 47) i),
    0.8, 20, 0.01, 0.1, timestamptz '2026-01-01T00:00:00Z', timestamptz '2026-01-02T00:00:00Z', now(), false
  from bid b limit ?`,
  [brandId, CONTRACTS],
);
await sql.execute(`
  insert into delivery_report (id, contract_id, interval_index, source, staffed_units, contacts_handled, service_level_ppm, reported_at)
  select gen_random_uuid(), c.id, i, 'VENDOR', 7500 + (i % 3) * 1250, 20, 740000 + (i % 8) * 10000, now()
  from contract c cross join generate_series(0, 47) i`);
// Embedded: the seeded tables only (a whole-database ANALYZE grows PGlite's heap, which never shrinks, by about 250 MiB).
await sql.execute(EMBEDDED ? 'analyze demand_spike, clearing_result, bid, contract, delivery_report, organization' : 'analyze');
const contractIds = (await sql.execute<{ id: string }[]>('select id from contract order by id')).map((r) => r.id);
console.log(`Seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const memory: string[] = [];
if (EMBEDDED) memory.push(memoryLine('after seeding'));
// The embedded database stays open in this process (closed with the last pool on it).
if (!EMBEDDED) await orm.close();

function spawnProcess(script: string, env: Record<string, string>): ChildProcess {
  // WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/results" profiles the worker processes.
  return spawn(process.execPath, [...(process.env.WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', script], {
    env: {
      ...process.env,
      DATABASE_URL: DB,
      ...(BENCH_PROFILE === 'postgres' ? { BURST_PROFILE: 'postgres', REDIS_URL: '' } : { REDIS_URL: REDIS }),
      QUEUE_PREFIX: PREFIX,
      LOG_LEVEL: 'warn',
      WORKER_CONCURRENCY: String(CONCURRENCY),
      SWEEP_INTERVAL_MS: '3600000',
      DB_POOL_MAX: String(CONCURRENCY + 2),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function drain(
  queueName: string,
  jobs: { name: string; data: object; opts: JobsOptions }[],
  count: () => Promise<number>,
  stop: () => Promise<void>,
): Promise<number> {
  const queue = await benchQueue(queueName, PREFIX, DB);
  await queue.obliterate({ force: true });
  await new Promise((r) => setTimeout(r, 3000)); // let the workers connect
  const start = performance.now();
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
  while ((await count()) < jobs.length) await new Promise((r) => setTimeout(r, 100));
  const seconds = (performance.now() - start) / 1000;
  await stop();
  await queue.obliterate({ force: true });
  await queue.close();
  return seconds;
}

const stopProcesses = (processes: ChildProcess[]) => async () => {
  for (const p of processes) p.kill('SIGTERM');
  await Promise.all(processes.map((p) => once(p, 'exit')));
};

// Baseline: no-op jobs through two processes at the same concurrency (embedded: one worker in this process).
const noopWorker = EMBEDDED ? await benchWorker('noop', PREFIX, DB, async () => null, CONCURRENCY) : null;
const noopStop = noopWorker
  ? () => noopWorker.close()
  : stopProcesses([spawnProcess('bench/support/noop-worker.ts', {}), spawnProcess('bench/support/noop-worker.ts', {})]);
const noopQueue = await benchQueue('noop', PREFIX, DB);
const noopRss = sampleRss();
const noopSeconds = await drain(
  'noop',
  contractIds.map((id) => ({ name: 'noop', data: { id }, opts: { removeOnComplete: { count: CONTRACTS * 2 } } })),
  () => noopQueue.getCompletedCount(),
  noopStop,
);
await noopQueue.close();
if (EMBEDDED) memory.push(`baseline: peak RSS sampled while it ran ${noopRss.stop().toFixed(0)} MiB`);
else noopRss.stop();

// Settlement through the real worker entry point (embedded: the worker stack in this process).
const embeddedDb = EMBEDDED ? await openEmbedded(DB) : null;
const db = embeddedDb?.pool ?? new pg.Client({ connectionString: DB });
if (db instanceof pg.Client) await db.connect();
const settled = async () => Number((await db.query('select count(*)::int as n from settlement')).rows[0].n);
// The settlement tables grow from empty to a million rows within a minute; autovacuum would
// re-analyze them only much later, and plans made on empty-table statistics degrade as they grow.
// A live system has analyzed tables, so the run keeps statistics fresh (ANALYZE_EVERY_MS=0 to skip).
const analyzeEvery = Number(process.env.ANALYZE_EVERY_MS ?? 5000);
const analyzer =
  analyzeEvery > 0
    ? setInterval(
        () => void db.query('analyze settlement, invoice, invoice_line, ledger_entry, ledger_transaction, state_transition, ledger_account').catch(() => {}),
        analyzeEvery,
      )
    : null;
const stack = EMBEDDED
  ? await startEmbeddedStack(DB, {
      schedules: false,
      env: { WORKER_CONCURRENCY: String(CONCURRENCY), SWEEP_INTERVAL_MS: '3600000', DB_POOL_MAX: String(CONCURRENCY + 2) },
    })
  : null;
const settleRss = sampleRss();
const settleSeconds = await drain(
  SETTLEMENT_QUEUE,
  contractIds.map((contractId) => ({ name: SETTLE_CONTRACT, data: { contractId }, opts: { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId) } })),
  settled,
  stack
    ? () => stack.close()
    : stopProcesses([spawnProcess('workers/main.ts', { WORKER_HEALTH_PORT: '0' }), spawnProcess('workers/main.ts', { WORKER_HEALTH_PORT: '0' })]),
);
if (EMBEDDED) memory.push(`settlement: peak RSS sampled while it ran ${settleRss.stop().toFixed(0)} MiB`, memoryLine('whole run'));
else settleRss.stop();
if (analyzer) clearInterval(analyzer);
// The settling period as the database recorded it, first settlement to last: the workers'
// settlement sweeper (a job scheduler, whose first run is immediate) may enqueue the seeded,
// already-due contracts before the benchmark adds their jobs, so the time from adding them
// understates the work's duration. The wider of the two is reported.
const span = Number((await db.query(`select extract(epoch from max(created_at) - min(created_at))::float8 as s from settlement`)).rows[0].s);
const settleSpan = Math.max(settleSeconds, span);
const stats = (
  await db.query(`select count(*)::int as settlements, (select count(*)::int from invoice_line) as lines, (select count(*)::int from ledger_entry) as entries,
  (select coalesce(sum(amount_minor), 0)::text from ledger_entry) as ledger_sum from settlement`)
).rows[0];
if (db instanceof pg.Client) await db.end();
await closeBenchQueues();
await embeddedDb?.close();
if (EMBEDDED) await orm.close();

const noopRate = CONTRACTS / noopSeconds;
const settleRate = CONTRACTS / settleSpan;
const processes = EMBEDDED ? '1 process (PGlite, one connection)' : '2 processes';
console.log(`\nprofile ${BENCH_PROFILE}: ${processes} × concurrency ${CONCURRENCY}, ${CONTRACTS} jobs each\n`);
console.log(`baseline (no-op BullMQ jobs)   ${noopRate.toFixed(0).padStart(6)} jobs/s        (${noopSeconds.toFixed(1)} s)`);
console.log(
  `settlement (48 intervals each) ${settleRate.toFixed(0).padStart(6)} contracts/s   (${settleSpan.toFixed(1)} s: first to last settlement in the database; ${settleSeconds.toFixed(1)} s from adding the jobs)`,
);
console.log(`ratio settlement / baseline: ${(settleRate / noopRate).toFixed(3)}`);
for (const line of memory) console.log(line);
console.log(`check: ${stats.settlements} settlements, ${stats.lines} invoice lines, ${stats.entries} ledger entries, ledger sum ${stats.ledger_sum}`);
process.exit(0);

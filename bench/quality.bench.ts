/**
 * Quality ingestion at a steady rate through the real API and workers, and the delay from
 * ingestion to updated scores, with a baseline measured in the same run: the same batches
 * inserted straight into PostgreSQL (no API, no validation, no observations).
 *
 *   npm run bench:quality                      # 2,000 events/s for 30 s, batches of 200
 *   RATE=2000 BATCH=200 BENCH_SECONDS=30 npm run bench:quality
 *
 * The delay of a batch runs from the moment its request is sent to the moment a scoring run that
 * started after the API acknowledged it has committed (the scores then reflect it).
 *
 * Embedded profile (BURST_PROFILE=embedded, or no DATABASE_URL/REDIS_URL): one PGlite serves one
 * process, so the API with its workers (as `npm start` runs there) runs in this process, and the
 * baseline inserts through a pool on the same PGlite; the figures add this process's RSS. PGlite
 * runs one transaction at a time on one connection (not for load): the defaults there are
 * RATE=200 BATCH=50 BENCH_SECONDS=10.
 * Uses its own
 * database (BENCH_DATABASE_URL, default .../burst_exchange_bench), emptied first. Prints figures;
 * asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { bootstrapOperator, createOrganization } from '../src/domain/access/organizations.js';
import type { Principal } from '../src/domain/access/principal.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { BENCH_DATABASE_URL, freshBenchDatabase } from './support/database.js';
import { percentile } from './support/load.js';
import { startEmbeddedStack } from './support/embedded-stack.js';
import { EMBEDDED, memoryLine, sampleRss } from './support/profile.js';
import { openEmbedded } from '../src/persistence/embedded/embedded-database.js';

const RATE = Number(process.env.RATE ?? (EMBEDDED ? 200 : 2_000));
const BATCH = Number(process.env.BATCH ?? (EMBEDDED ? 50 : 200));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (EMBEDDED ? 10 : 30));
const VENDORS = 50;
const DB = BENCH_DATABASE_URL;
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_PORT = 4803;
const PREFIX = `bx-bench-${process.pid}`;

const orm = await freshBenchDatabase();
const em = () => orm.em.fork();
const issued = (await bootstrapOperator(em(), systemClock))!;
const operator: Principal = {
  apiKeyId: issued.apiKey.id,
  organizationId: issued.apiKey.organizationId,
  organizationKind: 'OPERATOR',
  role: 'OPERATOR',
  vendorType: null,
  parentBrandId: null,
};
const brand = await createOrganization(em(), systemClock, operator, { name: 'Bench brand', kind: 'BRAND' });
if (!brand.ok) throw new Error(brand.failure.message);
const vendorIds: string[] = [];
for (let i = 0; i < VENDORS; i++) {
  const v = await createOrganization(em(), systemClock, operator, { name: `Bench vendor ${i}`, kind: 'VENDOR', vendorType: 'OUTSOURCER', skills: ['billing'] });
  if (!v.ok) throw new Error(v.failure.message);
  vendorIds.push(v.value.id);
}
// Every rating names a contract and stays within its contacts handled (docs/quality.md): one
// delivered contract per vendor, straight in SQL, with enough contacts for the whole run.
// Vendor i % 50 gets kind i % 4, so each vendor gets two of the kinds: room for all its events in one.
const perVendor = Math.ceil((RATE * (SECONDS + 10)) / VENDORS) + BATCH;
const contactsPerInterval = Math.min(600, Math.ceil(perVendor / 48));
const seed = orm.em.getConnection();
await seed.execute(
  `
  insert into demand_spike (id, brand_id, title, channel, required_skills, required_certifications, time_zone, interval_minutes, intervals,
    service_level_target, service_level_seconds, max_occupancy, shrinkage, chat_concurrency, reserve_rate_minor, currency, quality_weight,
    bidding_closes_at, outsourcing_model, status, created_at, updated_at)
  select '00000000-0000-7000-8000-0000000000b5', ?, 'Bench spike', 'CHAT', '{billing}', '{}', 'UTC', 30,
    (select jsonb_agg(jsonb_build_object('index', i, 'startsAt', to_char(date_trunc('hour', now()) - interval '2 days' + i * interval '30 minutes', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'requiredSeats', 500)) from generate_series(0, 47) i),
    0.8, 20, 0.85, 0, 1, 3000, 'USD', 1, now() - interval '3 days', 'NETWORK_DELIVERED', 'AWARDED', now(), now()`,
  [brand.value.id],
);
await seed.execute(`insert into clearing_result (spike_id, status, solver, covered_seat_hours, adjusted_cost, intervals, created_at)
  values ('00000000-0000-7000-8000-0000000000b5', 'OPTIMAL', 'GREEDY', 0, 0, '[]', now())`);
await seed.execute(`
  insert into bid (id, spike_id, vendor_id, status, rate_minor, currency, offered, version, idempotency_key, payload_hash, submitted_at, created_at, updated_at)
  select gen_random_uuid(), '00000000-0000-7000-8000-0000000000b5', id, 'WON', 2000, 'USD', '[]', 1, 'bench', 'x', now(), now(), now() from organization where kind = 'VENDOR'`);
await seed.execute(
  `
  insert into contract (id, spike_id, brand_id, vendor_id, bid_id, status, rate_minor, currency, interval_minutes, seats, service_level_target,
    service_level_seconds, credit_per_point, credit_cap, starts_at, ends_at, created_at, needs_settlement)
  select gen_random_uuid(), b.spike_id, ?, b.vendor_id, b.id, 'DELIVERED', 2000, 'USD', 30,
    (select jsonb_agg(jsonb_build_object('index', i, 'startsAt', to_char(date_trunc('hour', now()) - interval '2 days' + i * interval '30 minutes', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'seats', 10)) from generate_series(0, 47) i),
    0.8, 20, 0.01, 0.1, date_trunc('hour', now()) - interval '2 days', date_trunc('hour', now()) - interval '1 day', now(), false
  from bid b`,
  [brand.value.id],
);
await seed.execute(
  `
  insert into delivery_report (id, contract_id, interval_index, source, staffed_units, contacts_handled, service_level_ppm, reported_at)
  select gen_random_uuid(), c.id, i, 'VENDOR', 50000, ?, 800000, now() from contract c cross join generate_series(0, 47) i`,
  [contactsPerInterval],
);
const contractOf = new Map((await seed.execute<{ id: string; vendor_id: string }[]>('select id, vendor_id from contract')).map((c) => [c.vendor_id, c.id]));
if (!EMBEDDED) await orm.close(); // embedded: the database stays open in this process
const memory = EMBEDDED ? [memoryLine('after seeding')] : [];

let n = 0;
const KINDS = ['CSAT', 'QA_SCORE', 'FCR', 'ESCALATION'] as const;
function aBatch(): Record<string, unknown>[] {
  return Array.from({ length: BATCH }, () => {
    const i = n++;
    const kind = KINDS[i % KINDS.length]!;
    const value = kind === 'CSAT' ? { score: 1 + (i % 5) } : kind === 'QA_SCORE' ? { score: i % 101 } : kind === 'FCR' ? { resolved: i % 3 !== 0 } : {};
    const vendorId = vendorIds[i % VENDORS]!;
    return { externalId: `bench-${i}`, kind, vendorId, contractId: contractOf.get(vendorId), skill: i % 2 ? 'billing' : null, ...value };
  });
}

// Baseline: the same batches straight into quality_event.
const embeddedDb = EMBEDDED ? await openEmbedded(DB) : null;
const db = embeddedDb?.pool ?? new pg.Client({ connectionString: DB });
if (db instanceof pg.Client) await db.connect();
const baselineRss = sampleRss();
const baselineEvents = RATE * 10;
const b0 = performance.now();
for (let sent = 0; sent < baselineEvents; sent += BATCH) {
  await db.query(
    `insert into quality_event (id, submitted_by, vendor_id, contract_id, kind, value, skill, occurred_at, external_id, payload_hash, source, received_at)
     select gen_random_uuid(), $1, x."vendorId", x."contractId", x.kind, coalesce(x.score, case when x.resolved then 1 when not x.resolved then 0 end), x.skill, now(), 'baseline-' || x."externalId", 'x', 'GRAPHQL', now()
       from json_to_recordset($2::json) as x("externalId" text, kind text, "vendorId" uuid, "contractId" uuid, score double precision, resolved boolean, skill text)`,
    [operator.organizationId, JSON.stringify(aBatch())],
  );
}
const baselineRate = baselineEvents / ((performance.now() - b0) / 1000);
if (EMBEDDED) memory.push(`baseline: peak RSS sampled while it ran ${baselineRss.stop().toFixed(0)} MiB`);
else baselineRss.stop();
await db.query(`delete from quality_event where external_id like 'baseline-%'`);
n = 0;

function start(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, DATABASE_URL: DB, REDIS_URL: REDIS, QUEUE_PREFIX: PREFIX, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
// Rate limiting off: the benchmark measures the API, not one key's budget.
const apiEnv = { PORT: String(API_PORT), NODE_ENV: 'production', RATE_LIMIT_POINTS: '0' };
const secrets = { WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'), METRICS_TOKEN: randomBytes(16).toString('hex') };
const processes = EMBEDDED ? [] : [start('src/main.ts', { ...apiEnv, ...secrets }), start('workers/main.ts', { WORKER_HEALTH_PORT: '0' })];
const stack = EMBEDDED ? await startEmbeddedStack(DB, { port: API_PORT }) : null;
for (;;) {
  try {
    if ((await fetch(`http://127.0.0.1:${API_PORT}/healthz`)).ok) break;
  } catch {
    /* not up yet */
  }
  await new Promise((r) => setTimeout(r, 200));
}
await new Promise((r) => setTimeout(r, 2_000)); // let the workers connect

const QUERY =
  'mutation($input: RecordQualityEventsInput!) { recordQualityEvents(input: $input) { __typename ... on QualityEventBatchReceipt { accepted rejected } } }';
interface Sent {
  sentAt: number;
  ackedAt: number;
  accepted: number;
}
const sent: Sent[] = [];
const runs: { computedAt: number; seenAt: number }[] = [];
let lastRun: Date | string = new Date(0);
let polling = true;
const poller = (async () => {
  while (polling) {
    const rows = (await db.query('select computed_at from scoring_run where computed_at > $1 order by computed_at', [lastRun])).rows as {
      computed_at: Date | string;
    }[]; // a string from PGlite
    const seenAt = Date.now();
    for (const r of rows) runs.push({ computedAt: new Date(r.computed_at).getTime(), seenAt });
    if (rows.length) lastRun = rows.at(-1)!.computed_at;
    await new Promise((r) => setTimeout(r, 20));
  }
})();

console.log(`\nIngesting ${RATE} events/s in batches of ${BATCH} for ${SECONDS} s (${VENDORS} vendors)...`);
const interval = (BATCH / RATE) * 1000;
const inFlight: Promise<void>[] = [];
const t0 = Date.now();
const runRss = sampleRss();
for (let i = 0; Date.now() - t0 < SECONDS * 1000; i++) {
  const due = t0 + i * interval;
  if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  const sentAt = Date.now();
  inFlight.push(
    (async () => {
      const res = await fetch(`http://127.0.0.1:${API_PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${issued.secret}` },
        body: JSON.stringify({ query: QUERY, variables: { input: { events: aBatch() } } }),
      });
      const json = (await res.json()) as { data?: { recordQualityEvents?: { accepted?: number } } };
      sent.push({ sentAt, ackedAt: Date.now(), accepted: json.data?.recordQualityEvents?.accepted ?? 0 });
    })(),
  );
}
await Promise.all(inFlight);
const elapsed = (Date.now() - t0) / 1000;
// Wait for the run that covers the last batch.
const lastAck = Math.max(...sent.map((s) => s.ackedAt));
const deadline = Date.now() + 30_000;
while (!runs.some((r) => r.computedAt >= lastAck) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
polling = false;
await poller;
if (EMBEDDED) memory.push(`API and workers: peak RSS sampled while ingesting ${runRss.stop().toFixed(0)} MiB`, memoryLine('whole run'));
else runRss.stop();

const delays = sent
  .flatMap((s) => {
    const run = runs.find((r) => r.computedAt >= s.ackedAt);
    return run ? [run.seenAt - s.sentAt] : [];
  })
  .sort((a, b) => a - b);
const acks = sent.map((s) => s.ackedAt - s.sentAt).sort((a, b) => a - b);
const accepted = sent.reduce((a, s) => a + s.accepted, 0);
const stats = (
  await db.query(
    'select (select count(*)::int from quality_event) as events, (select count(*)::int from quality_observation) as observations, (select count(*)::int from scoring_run) as runs',
  )
).rows[0];
if (db instanceof pg.Client) await db.end();
else await embeddedDb?.close();

console.log(`\nbaseline (bare INSERT of the same batches)  ${baselineRate.toFixed(0).padStart(7)} events/s`);
console.log(
  `recordQualityEvents (GraphQL API)           ${(accepted / elapsed).toFixed(0).padStart(7)} events/s sustained (${accepted} accepted of ${n} sent in ${elapsed.toFixed(1)} s)`,
);
console.log(`ratio API / baseline: ${(accepted / elapsed / baselineRate).toFixed(3)} (the API ran at the offered rate; the baseline at full speed)`);
console.log(`batch request latency   p50 ${percentile(acks, 50).toFixed(0)} ms   p99 ${percentile(acks, 99).toFixed(0)} ms`);
console.log(
  `ingestion → score delay p50 ${percentile(delays, 50).toFixed(0)} ms   p95 ${percentile(delays, 95).toFixed(0)} ms   p99 ${percentile(delays, 99).toFixed(0)} ms   (${delays.length} of ${sent.length} batches matched)`,
);
for (const line of memory) console.log(line);
console.log(`check: ${stats.events} events, ${stats.observations} observations, ${stats.runs} scoring runs`);

for (const p of processes) p.kill('SIGTERM');
await Promise.all(processes.map((p) => once(p, 'exit')));
await stack?.close();
if (EMBEDDED) await orm.close();
process.exit(0);

/**
 * placeBid throughput and latency over HTTP against the real stack, with a baseline measured in
 * the same run: a bare Node HTTP handler doing the same single INSERT with pg.
 *
 *   npm run bench:place-bid                  # 32 clients, 30 s each, in 3 alternating rounds
 *   CLIENTS=32 BENCH_SECONDS=30 ROUNDS=3 npm run bench:place-bid
 *
 * The baseline and placeBid alternate in ROUNDS rounds of BENCH_SECONDS / ROUNDS each, so that
 * load from elsewhere on a shared machine falls on both alike; each figure is over all rounds.
 * Per request it also prints the CPU time of the server process, of the PostgreSQL backends of
 * the bench database and of this load generator (Linux /proc), which is where the time goes
 * when all three share the cores. PERF_SECONDS=15 adds on-CPU profiles (Linux perf) of the API
 * and of the PostgreSQL backends, taken during the first placeBid round.
 *
 * Embedded profile (BURST_PROFILE=embedded, or no DATABASE_URL/REDIS_URL): one PGlite serves one
 * process, so the API with its workers (as `npm start` runs there) and the baseline handler, on a
 * pool on the same PGlite, run in this process with the load generator; CPU is that one process's,
 * and the figures add its peak RSS. PGlite runs one transaction at a time on one connection (not
 * for load): the defaults there are CLIENTS=4 BENCH_SECONDS=12 ROUNDS=2 SPIKES=50.
 *
 * The API runs built, as deployed (`node dist/src/main.js`; API_RUNTIME=tsx for the sources).
 * Uses its own database (BENCH_DATABASE_URL, default .../burst_exchange_bench), emptied first.
 * Prints figures; asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { pino } from 'pino';
import { bootstrapOperator, createOrganization } from '../src/domain/access/organizations.js';
import { issueApiKey } from '../src/domain/access/api-keys.js';
import { postDemandSpike } from '../src/domain/demand/post-demand-spike.js';
import { publishDemandSpike } from '../src/domain/demand/publish-demand-spike.js';
import type { Principal } from '../src/domain/access/principal.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { storedQualityScores } from '../src/domain/quality/quality-scores.js';
import { BENCH_DATABASE_URL, freshBenchDatabase } from './support/database.js';
import { backendPids, cpuPerRequest, describeCpu, snapshot } from './support/cpu.js';
import { profileWhileLoaded } from './support/perf-record.js';
import { describe, merge, runLoad, type LoadResult } from './support/load.js';
import { startEmbeddedBaseline } from './support/embedded-baseline.js';
import { startEmbeddedStack } from './support/embedded-stack.js';
import { EMBEDDED, memoryLine, sampleRss } from './support/profile.js';
import { openEmbedded } from '../src/persistence/embedded/embedded-database.js';

const CLIENTS = Number(process.env.CLIENTS ?? (EMBEDDED ? 4 : 32));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (EMBEDDED ? 12 : 30));
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? (EMBEDDED ? 2 : 3)));
// PERF_SECONDS=15: on-CPU profiles (Linux perf) of the API and PostgreSQL during the first round.
const PERF_SECONDS = Number(process.env.PERF_SECONDS ?? 0);
const VENDORS = 100;
const SPIKES = Number(process.env.SPIKES ?? (EMBEDDED ? 50 : 500));
const DB = BENCH_DATABASE_URL;
// Other benchmarks (or another checkout's) may hold the default ports: API_PORT, BASELINE_PORT move them.
const API_PORT = Number(process.env.API_PORT ?? 4801);
const BASELINE_PORT = Number(process.env.BASELINE_PORT ?? 4802);
void pino;

function start(args: string[], env: Record<string, string>, ready: RegExp | null, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setInterval(async () => {
      try {
        await fetch(`http://127.0.0.1:${port}/healthz`);
      } catch {
        return;
      }
      clearInterval(timer);
      resolve(child);
    }, 200);
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`process exited with ${code}`));
    });
    void ready;
  });
}

const orm = await freshBenchDatabase();

console.log(`Seeding ${VENDORS} vendors and ${SPIKES} open spikes...`);
const em = () => orm.em.fork() as never;
const operatorKey = (await bootstrapOperator(em(), systemClock))!;
const operator: Principal = {
  apiKeyId: operatorKey.apiKey.id,
  organizationId: operatorKey.apiKey.organizationId,
  organizationKind: 'OPERATOR',
  role: 'OPERATOR',
  vendorType: null,
  parentBrandId: null,
};
const brandOrg = await createOrganization(em(), systemClock, operator, { name: 'Bench brand', kind: 'BRAND' });
if (!brandOrg.ok) throw new Error(brandOrg.failure.message);
const brand: Principal = { ...operator, apiKeyId: '', organizationId: brandOrg.value.id, organizationKind: 'BRAND', role: 'BRAND' };
const vendorKeys: string[] = [];
for (let i = 0; i < VENDORS; i++) {
  const v = await createOrganization(em(), systemClock, operator, {
    name: `Bench vendor ${i}`,
    kind: 'VENDOR',
    vendorType: 'OUTSOURCER',
    skills: ['billing'],
    certifications: [],
  });
  if (!v.ok) throw new Error(v.failure.message);
  const k = await issueApiKey(em(), systemClock, operator, { organizationId: v.value.id, role: 'VENDOR', label: 'bench' });
  if (!k.ok) throw new Error(k.failure.message);
  vendorKeys.push(k.value.secret);
}
const HALF_HOUR = 1_800_000;
const firstStart = Math.ceil((Date.now() + 2 * 86_400_000) / HALF_HOUR) * HALF_HOUR;
const spikeIds: string[] = [];
for (let i = 0; i < SPIKES; i++) {
  const posted = await postDemandSpike(em(), systemClock, brand, {
    title: `Bench spike ${i}`,
    channel: 'CHAT',
    requiredSkills: ['billing'],
    requiredCertifications: [],
    timeZone: 'UTC',
    intervalMinutes: 30,
    intervals: Array.from({ length: 8 }, (_, j) => ({ startsAt: new Date(firstStart + j * HALF_HOUR), seats: 50 })),
    serviceLevelTarget: 0.8,
    serviceLevelSeconds: 20,
    reserveRateMinor: 3000n,
    currency: 'USD',
    biddingClosesAt: new Date(Date.now() + 86_400_000),
    outsourcingModel: 'ENTERPRISE_ROUTED',
  });
  if (!posted.ok) throw new Error(posted.failure.message);
  await publishDemandSpike(em(), systemClock, storedQualityScores, brand, posted.value.id);
  spikeIds.push(posted.value.id);
}
if (!EMBEDDED) await orm.close(); // embedded: the database stays open in this process

const QUERY =
  'mutation($input: PlaceBidInput!, $key: String!) { placeBid(input: $input, idempotencyKey: $key) { __typename ... on Bid { id version } ... on UserError { code } } }';
const bodyFor = (n: number) => {
  // Every (vendor, spike) pair at most once: a vendor holds one active bid per spike.
  const vendor = n % VENDORS;
  const spike = Math.floor(n / VENDORS) % SPIKES;
  return {
    key: vendorKeys[vendor]!,
    body: JSON.stringify({
      query: QUERY,
      variables: {
        key: `bench-${n}`,
        input: {
          spikeId: spikeIds[spike],
          rate: { amountMinor: String(2000 + (n % 900)), currency: 'USD' },
          offered: [
            { index: 0, seats: 10 },
            { index: 1, seats: 12 },
            { index: 2, seats: 8 },
          ],
        },
      },
    }),
  };
};
const capacity = VENDORS * SPIKES;

// The API runs as it is deployed (Dockerfile: `node dist/src/main.js`, built here first);
// API_RUNTIME=tsx runs the sources through tsx instead, whose module hooks add to every dynamic
// import (type-graphql imports class-validator on each validated argument).
const compiled = process.env.API_RUNTIME !== 'tsx' && !EMBEDDED;
async function startProcesses() {
  if (compiled) {
    console.log('Building the API (npm run build)...');
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  }
  const apiEntry = compiled ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  console.log(`Starting the API (node ${apiEntry.join(' ')}) and the baseline server...`);
  // Rate limiting off: the benchmark measures the API, not one key's budget.
  const env = {
    DATABASE_URL: DB,
    PORT: String(API_PORT),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    DB_POOL_MAX: '20',
    RATE_LIMIT_POINTS: '0',
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
    METRICS_TOKEN: randomBytes(16).toString('hex'),
  };
  // API_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/results" profiles the API process.
  const nodeArgs = [...(process.env.API_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(PERF_SECONDS ? ['--perf-basic-prof'] : [])];
  const api = await start([...nodeArgs, ...apiEntry], env, null, API_PORT);
  const baselineEnv = { DATABASE_URL: DB, PORT: String(BASELINE_PORT), DB_POOL_MAX: '20' };
  const baseline = spawn(process.execPath, ['--import', 'tsx', 'bench/support/baseline-server.ts'], {
    env: { ...process.env, ...baselineEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(baseline.stdout!, 'data');
  return { apiPid: api.pid!, baselinePid: baseline.pid!, stop: async () => void (baseline.kill('SIGTERM'), api.kill('SIGTERM'), await once(api, 'exit')) };
}
async function startInProcess() {
  console.log('Starting the API with its workers and the baseline handler in this process (embedded)...');
  const stack = await startEmbeddedStack(DB, { port: API_PORT, env: { DB_POOL_MAX: '20' } });
  const baseline = await startEmbeddedBaseline(DB, BASELINE_PORT);
  return { apiPid: process.pid, baselinePid: process.pid, stop: async () => void (await baseline.close(), await stack.close(), await orm.close()) };
}
const memory = EMBEDDED ? [memoryLine('after seeding')] : [];
const servers = EMBEDDED ? await startInProcess() : await startProcesses();

const post = async (port: number, path: string, n: number) => {
  const { key, body } = bodyFor(n);
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  const json = (await res.json()) as { data?: { placeBid?: { __typename?: string } } };
  return res.ok && json.data?.placeBid?.__typename === 'Bid';
};

// Warm up both (JIT, connection pools), then measure in alternating rounds with the same clients.
let bidCounter = 0;
await runLoad(CLIENTS, 3, (n) => post(API_PORT, '/graphql', capacity - 1 - n));
await runLoad(CLIENTS, 3, (n) => post(BASELINE_PORT, '/', n));
console.log(`\nMeasuring: ${CLIENTS} concurrent clients, ${SECONDS} s each, in ${ROUNDS} alternating rounds\n`);
// Keep planner statistics fresh while the bid table grows from empty (as in settlement.bench.ts).
const embeddedDb = EMBEDDED ? await openEmbedded(DB) : null;
const statsDb = embeddedDb?.pool ?? new pg.Client({ connectionString: DB });
if (statsDb instanceof pg.Client) await statsDb.connect();
const database = EMBEDDED ? '' : new URL(DB).pathname.slice(1);
const analyzeEvery = Number(process.env.ANALYZE_EVERY_MS ?? 5000);
const baseRounds: LoadResult[] = [];
const realRounds: LoadResult[] = [];
const cpu = { base: [] as ReturnType<typeof cpuPerRequest>[], real: [] as ReturnType<typeof cpuPerRequest>[] };
const profiles: string[] = [];
/** One timed load with the CPU its server, PostgreSQL and this process spent on it. */
// Embedded: one process runs everything, so its CPU per request is all there is to tell (and its RSS).
const wholeCpu = { base: [] as number[], real: [] as number[] };
const rss = { base: 0, real: 0 };
async function measured(serverPid: number, load: () => Promise<LoadResult>, kind: 'base' | 'real') {
  if (!(statsDb instanceof pg.Client)) {
    const [before, sampler] = [process.cpuUsage(), sampleRss()];
    const result = await load();
    const used = process.cpuUsage(before);
    rss[kind] = Math.max(rss[kind], sampler.stop());
    wholeCpu[kind].push((used.user + used.system) / 1000 / Math.max(1, result.requests));
    return { result, cpu: null };
  }
  const before = await snapshot(serverPid, statsDb, database);
  const result = await load();
  return { result, cpu: cpuPerRequest(before, await snapshot(serverPid, statsDb, database), result.requests) };
}
for (let round = 0; round < ROUNDS; round++) {
  if (!process.env.SKIP_BASELINE) {
    const b = await measured(servers.baselinePid, () => runLoad(CLIENTS, SECONDS / ROUNDS, (n) => post(BASELINE_PORT, '/', n)), 'base');
    baseRounds.push(b.result);
    cpu.base.push(b.cpu);
  }
  const analyzer = analyzeEvery > 0 ? setInterval(() => void statsDb.query('analyze bid, state_transition').catch(() => {}), analyzeEvery) : null;
  const profiled =
    round === 0 && PERF_SECONDS > 0 && statsDb instanceof pg.Client
      ? profileWhileLoaded('placebid', servers.apiPid, await backendPids(statsDb, database), Math.min(PERF_SECONDS, SECONDS / ROUNDS - 3))
      : null;
  const r = await measured(servers.apiPid, () => runLoad(CLIENTS, SECONDS / ROUNDS, () => post(API_PORT, '/graphql', bidCounter++)), 'real');
  if (profiled) profiles.push(await profiled);
  if (analyzer) clearInterval(analyzer);
  realRounds.push(r.result);
  cpu.real.push(r.cpu);
  const same = baseRounds[round];
  const ratio = same ? `, ratio ${(r.result.throughput / same.throughput).toFixed(2)}` : '';
  console.log(`round ${round + 1}: baseline ${same?.throughput.toFixed(0) ?? '-'} req/s, placeBid ${r.result.throughput.toFixed(0)} req/s${ratio}`);
}
if (statsDb instanceof pg.Client) await statsDb.end();
else await embeddedDb?.close();
/** Mean CPU per request over the rounds, weighted by requests. */
const meanCpu = (rounds: LoadResult[], per: ReturnType<typeof cpuPerRequest>[]) => {
  if (per.some((c) => !c)) return null;
  const n = rounds.reduce((s, r) => s + r.requests, 0);
  const sum = (k: 'server' | 'postgres' | 'generator') => per.reduce((s, c, i) => s + c![k] * rounds[i]!.requests, 0) / n;
  return { server: sum('server'), postgres: sum('postgres'), generator: sum('generator') };
};
const base = baseRounds.length ? merge(baseRounds) : null;
const real = merge(realRounds);
console.log('');
if (base) console.log(describe(EMBEDDED ? 'baseline (http + PGlite)' : 'baseline (bare http + pg)', base));
console.log(describe('placeBid (GraphQL API)', real));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
if (EMBEDDED) {
  const line = (name: string, kind: 'base' | 'real') =>
    `${name.padEnd(26)} CPU per request ${mean(wholeCpu[kind]).toFixed(2)} ms (one process: server, PGlite, load generator); peak RSS sampled ${rss[kind].toFixed(0)} MiB`;
  console.log(
    [...(base ? [line('baseline (http + PGlite)', 'base')] : []), line('placeBid (GraphQL API)', 'real'), ...memory, memoryLine('whole run')].join('\n'),
  );
} else {
  if (base) console.log(describeCpu('baseline (bare http + pg)', meanCpu(baseRounds, cpu.base)));
  console.log(describeCpu('placeBid (GraphQL API)', meanCpu(realRounds, cpu.real)));
}
if (base) console.log(`\nratio placeBid / baseline: throughput ${(real.throughput / base.throughput).toFixed(2)}, p99 ${(real.p99 / base.p99).toFixed(2)}`);
for (const p of profiles) console.log(`\n${p}`);
if (bidCounter > capacity) console.log(`warning: ran out of (vendor, spike) pairs (${capacity}); raise SPIKES`);

await servers.stop();
process.exit(0);

/**
 * `npm run demo [-- --keep-running]`: one whole market cycle through the real API over HTTP.
 *
 * Starts the API and the workers (clearing, settlement, quality) in this process on
 * DATABASE_URL and REDIS_URL, onboards a brand, three outsourcers and the brand's in-house team,
 * posts a day of 30-minute chat intervals shaped like a peak day, has every vendor bid with its
 * own key, clears, lives through the delivery day (a simulated clock jumps forward), reports
 * actuals (one vendor under-delivers, one misses its service level), feeds quality events (one
 * vendor gets poor CSAT), settles, and runs a second spike to show what the scores changed.
 *
 * Every organisation is new (names carry a run id), so the demo can run against a database that
 * already holds data; its queues live under their own prefix and are removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfigOrExit } from '../src/config.js';
import { bootstrapOperator } from '../src/domain/access/organizations.js';
import { SimulatedClock } from '../src/domain/shared/clock.js';
import { createSecretBox } from '../src/domain/webhooks/secret-box.js';
import { storedQualityScores } from '../src/domain/quality/quality-scores.js';
import { createLogger } from '../src/logger.js';
import { createOrm } from '../src/persistence/orm.js';
import { createApiServer } from '../src/server.js';
import { clearingProcessor } from '../workers/clearing.processor.js';
import { qualityProcessor } from '../workers/quality.processor.js';
import { CLEARING_QUEUE, createQueues, QUALITY_QUEUE, redisConnection, SETTLEMENT_QUEUE } from '../workers/queues.js';
import { settlementProcessor } from '../workers/settlement.processor.js';
import { printConsoleLinks } from './demo-console.js';

const keepRunning = process.argv.includes('--keep-running');
const config = loadConfigOrExit({ LOG_LEVEL: 'warn', ...process.env });
const HALF_HOUR = 30 * 60_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Output
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s = '') => console.log(s);
const step = (n: number, title: string) => say(`\n${bold(`${n}. ${title}`)}`);
const pad = (s: string | number, n: number) => String(s).padStart(n);
const padEnd = (s: string | number, n: number) => String(s).padEnd(n);

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined>, ms = 120_000): Promise<T> {
  const started = Date.now();
  let dots = 0;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) {
      if (dots) process.stdout.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return value;
    }
    if (Date.now() - started > ms) throw new Error(`Timed out waiting for ${what}`);
    if (dots === 0) process.stdout.write(`   … ${what} `);
    if (++dots % 4 === 0) process.stdout.write('.');
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------------------------------------
// Services
async function checkServices(): Promise<void> {
  const problems: string[] = [];
  const db = new URL(config.databaseUrl);
  const admin = new URL(config.databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const name = db.pathname.slice(1);
    if (!(await client.query('select 1 from pg_database where datname = $1', [name])).rowCount)
      await client.query(`create database "${name.replace(/"/g, '')}"`);
  } catch (error) {
    problems.push(`PostgreSQL is not reachable at ${db.host} (DATABASE_URL): ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    problems.push(`Redis is not reachable at ${new URL(config.redisUrl).host} (REDIS_URL): ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    console.error('\nStart them with:  docker compose up -d postgres redis\n(or set DATABASE_URL / REDIS_URL to running ones), then run the demo again.');
    process.exit(1);
  }
}

await checkServices();
const logger = createLogger(config.logLevel, 'demo');
const orm = await createOrm(config.databaseUrl, 10);
orm.config.set('logger', () => {});
await orm.migrator.up();
const clock = new SimulatedClock();
const prefix = `bx-demo-${randomBytes(3).toString('hex')}`;
const queues = createQueues(redisConnection(config.redisUrl, false), prefix);
const workerOptions = { connection: redisConnection(config.redisUrl, true), prefix, concurrency: 2 };
const policy = { feePpm: config.feePpm, graceMs: config.settlementGraceMs };
const workers = [
  new Worker(
    CLEARING_QUEUE,
    clearingProcessor({
      orm,
      clock,
      scores: storedQualityScores,
      logger,
      queue: queues.clearing,
      settlement: queues.settlementScheduler,
      settlementGraceMs: policy.graceMs,
    }),
    workerOptions,
  ),
  new Worker(SETTLEMENT_QUEUE, settlementProcessor({ orm, clock, logger, policy, queue: queues.settlement }), workerOptions),
  new Worker(QUALITY_QUEUE, qualityProcessor({ orm, clock, logger }), { ...workerOptions, concurrency: 1 }),
];
const api = await createApiServer({
  webhooks: { secrets: createSecretBox(config.webhookSecretKey), urlPolicy: config.webhookUrlPolicy },
  orm,
  clock,
  logger,
  production: false,
  clearing: queues.scheduler,
  settlement: queues.settlementScheduler,
  quality: queues.qualityScheduler,
  settlementPolicy: policy,
});
let base: string;
try {
  base = await api.listen(config.port);
} catch {
  base = await api.listen(0); // the configured port is taken (a dev server?): any free one will do
}
const graphqlUrl = `${base}/graphql`;

async function shutdown(code: number): Promise<never> {
  await api.close();
  await Promise.all(workers.map((w) => w.close()));
  for (const q of [queues.clearing, queues.settlement, queues.quality]) await q.obliterate({ force: true }).catch(() => {});
  await queues.close();
  await orm.close();
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------
// A tiny GraphQL client, as an integrating vendor would write one
async function call<T = any>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}
function expectType<T extends { __typename: string }>(value: T, typename: string): T {
  if (value.__typename !== typename) throw new Error(`Expected ${typename}, got ${JSON.stringify(value)}`);
  return value;
}

const USER_ERROR = '... on UserError { code message field }';
const money = (m: { amount: string; currency: string }) =>
  `${m.currency} ${Number(m.amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 3 })}`;
const time = (iso: string) => iso.slice(11, 16);

try {
  const run = randomBytes(2).toString('hex');
  say(bold(`Burst Exchange demo (run ${run})`));
  say(
    `API ${graphqlUrl}   PostgreSQL ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}   Redis ${new URL(config.redisUrl).host} (queues under "${prefix}")`,
  );

  // -------------------------------------------------------------------------------------------
  step(1, 'The operator onboards a brand, its in-house team and three outsourcers');
  const operatorKey = (await bootstrapOperator(orm.em.fork() as never, clock))!.secret;
  const ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { __typename ... on Organization { id name } ${USER_ERROR} } }`;
  const KEY = `mutation($input: IssueApiKeyInput!) { issueApiKey(input: $input) { __typename ... on IssuedApiKey { secret } ${USER_ERROR} } }`;
  const org = async (input: Record<string, unknown>) =>
    expectType((await call(operatorKey, ORG, { input })).createOrganization, 'Organization') as { id: string; name: string };
  const key = async (organizationId: string, role: string) =>
    expectType((await call(operatorKey, KEY, { input: { organizationId, role, label: 'demo' } })).issueApiKey, 'IssuedApiKey').secret as string;
  const brand = await org({ name: `Acme Telecom (${run})`, kind: 'BRAND' });
  const brandKey = await key(brand.id, 'BRAND');
  const brandFinance = await key(brand.id, 'FINANCE');
  const operatorFinance = await key((await call(operatorKey, 'query { me { organization { id } } }')).me.organization.id, 'FINANCE');
  interface Vendor {
    id: string;
    name: string;
    key: string;
    vendorType: string;
    rate: number;
    cap: number;
    minSeats?: number;
    underDelivery: number;
    serviceLevel: number;
    csat: number[];
    qa: number;
    escalationsPerHundred: number;
  }
  const vendorSpecs = [
    {
      name: 'Northwind BPO',
      vendorType: 'OUTSOURCER',
      rate: 2150,
      cap: 30,
      underDelivery: 0.82,
      serviceLevel: 0.84,
      csat: [1, 2, 2, 3, 1],
      qa: 62,
      escalationsPerHundred: 6,
    },
    {
      name: 'Bluebird Contact',
      vendorType: 'OUTSOURCER',
      rate: 2300,
      cap: 30,
      underDelivery: 1,
      serviceLevel: 0.66,
      csat: [4, 4, 5, 3, 4],
      qa: 81,
      escalationsPerHundred: 2,
    },
    {
      name: 'Crestline Gig Agents',
      vendorType: 'OUTSOURCER',
      rate: 2450,
      cap: 40,
      minSeats: 3,
      underDelivery: 1,
      serviceLevel: 0.86,
      csat: [5, 4, 5, 4, 5],
      qa: 88,
      escalationsPerHundred: 1,
    },
    {
      name: 'Acme In-house Care',
      vendorType: 'IN_HOUSE',
      rate: 2250,
      cap: 12,
      underDelivery: 0.97,
      serviceLevel: 0.83,
      csat: [4, 5, 4, 4, 5],
      qa: 90,
      escalationsPerHundred: 1,
    },
  ];
  const vendors: Vendor[] = [];
  for (const spec of vendorSpecs) {
    const created = await org({
      name: `${spec.name} (${run})`,
      kind: 'VENDOR',
      vendorType: spec.vendorType,
      skills: ['billing', 'en-US'],
      certifications: ['PCI_DSS'],
      ...(spec.vendorType === 'IN_HOUSE' ? { parentBrandId: brand.id } : {}),
    });
    vendors.push({ ...spec, id: created.id, name: spec.name, key: await key(created.id, 'VENDOR') });
  }
  for (const v of vendors)
    say(`   ${padEnd(v.name, 22)} ${v.id}  ${v.cap} seats max at ${money({ amount: (v.rate / 100).toFixed(2), currency: 'USD' })}/seat-hour`);
  const nameOf = new Map<string, string>([[brand.id, 'Acme Telecom'], ...vendors.map((v) => [v.id, v.name] as [string, string])]);

  // -------------------------------------------------------------------------------------------
  const forecast = (hour: number) => Math.round(40 + 380 * Math.exp(-(((hour - 12) / 2.2) ** 2)) + 330 * Math.exp(-(((hour - 20) / 1.8) ** 2)));
  async function postSpike(
    title: string,
  ): Promise<{ id: string; intervals: { index: number; startsAt: string; requiredSeats: number; forecastContacts: number }[] }> {
    const now = clock.now().getTime();
    const dayStart = Math.ceil((now + DAY) / DAY) * DAY; // next midnight UTC after a day from now
    const intervals = Array.from({ length: 48 }, (_, i) => ({
      startsAt: new Date(dayStart + i * HALF_HOUR).toISOString(),
      forecastContacts: forecast(i / 2),
      ahtSeconds: 420,
    }));
    const POST = `mutation($input: PostDemandSpikeInput!, $key: String!) { postDemandSpike(input: $input, idempotencyKey: $key) { __typename
      ... on DemandSpike { id totalRequiredSeats intervals { index startsAt requiredSeats forecastContacts } } ${USER_ERROR} } }`;
    const posted = expectType(
      (
        await call(brandKey, POST, {
          key: `${run}-${title}`,
          input: {
            title,
            channel: 'CHAT',
            requiredSkills: ['billing'],
            requiredCertifications: ['PCI_DSS'],
            timeZone: 'UTC',
            intervalMinutes: 30,
            serviceLevelTarget: 0.8,
            serviceLevelSeconds: 60,
            shrinkage: 0.3,
            chatConcurrency: 2,
            maxVendorShare: 0.5,
            qualityWeight: 1,
            reserveRate: { amountMinor: '2800', currency: 'USD' },
            biddingClosesAt: new Date(now + 2 * 3_600_000).toISOString(),
            outsourcingModel: 'ENTERPRISE_ROUTED',
            intervals,
          },
        })
      ).postDemandSpike,
      'DemandSpike',
    );
    expectType(
      (
        await call(brandKey, `mutation($id: UUID!) { publishDemandSpike(spikeId: $id) { __typename ... on DemandSpike { status } ${USER_ERROR} } }`, {
          id: posted.id,
        })
      ).publishDemandSpike,
      'DemandSpike',
    );
    return posted;
  }

  async function bidAndClear(spike: Awaited<ReturnType<typeof postSpike>>, label: string) {
    const PLACE = `mutation($input: PlaceBidInput!, $key: String!) { placeBid(input: $input, idempotencyKey: $key) { __typename ... on Bid { id } ${USER_ERROR} } }`;
    const bids = new Map<string, string>();
    for (const v of vendors) {
      const offered = spike.intervals.map((i) => ({ index: i.index, seats: Math.min(v.cap, i.requiredSeats) }));
      const bid = expectType(
        (
          await call(v.key, PLACE, {
            key: `${run}-${label}-${v.id}`,
            input: {
              spikeId: spike.id,
              rate: { amountMinor: String(v.rate), currency: 'USD' },
              offered,
              ...(v.minSeats ? { minSeatsPerInterval: v.minSeats } : {}),
            },
          })
        ).placeBid,
        'Bid',
      );
      bids.set(v.id, bid.id);
    }
    say(`   ${vendors.length} sealed bids placed, each vendor with its own API key`);
    expectType(
      (await call(brandKey, `mutation($id: UUID!) { closeBidding(spikeId: $id) { __typename ... on DemandSpike { status } ${USER_ERROR} } }`, { id: spike.id }))
        .closeBidding,
      'DemandSpike',
    );
    const RESULT = `query($id: UUID!) { clearingResult(spikeId: $id) { solver coveredSeatHours intervals { index startsAt requiredSeats awardedSeats unfilledSeats serviceLevelAtAwarded serviceLevelAtRequired }
      bids { bidId vendorId status reason score adjustedRate awardedSeatHours } } }`;
    const result = await waitFor('clearing (the worker solves it with HiGHS)', async () => (await call(brandKey, RESULT, { id: spike.id })).clearingResult);
    return { bids, result };
  }

  // -------------------------------------------------------------------------------------------
  step(2, 'The brand posts a Black Friday chat spike: 48 half-hours, forecast turned into seats with Erlang C');
  const spike1 = await postSpike(`Black Friday chat ${run}`);
  const peak = spike1.intervals.reduce((a, b) => (b.requiredSeats > a.requiredSeats ? b : a));
  say(
    `   ${spike1.intervals.reduce((a, i) => a + i.forecastContacts, 0).toLocaleString()} contacts forecast, AHT 420 s, 2 chats per agent, 30% shrinkage, 80% answered in 60 s`,
  );
  say(
    `   peak ${peak.requiredSeats} seats at ${time(peak.startsAt)} (${peak.forecastContacts} chats), quietest ${Math.min(...spike1.intervals.map((i) => i.requiredSeats))} seats`,
  );

  step(3, 'Vendors bid; the brand closes bidding; the clearing worker awards by value');
  const first = await bidAndClear(spike1, 'one');
  say(`   solver ${first.result.solver}, ${first.result.coveredSeatHours} seat-hours covered\n`);
  say(`   ${padEnd('time', 6)}${pad('required', 9)}${pad('awarded', 9)}${pad('unfilled', 9)}${pad('SL at awarded', 15)}`);
  for (const i of first.result.intervals.filter((_: unknown, n: number) => n % 2 === 0)) {
    const sl = i.serviceLevelAtAwarded === null ? '' : `${(i.serviceLevelAtAwarded * 100).toFixed(1)}%`;
    say(
      `   ${padEnd(time(i.startsAt), 6)}${pad(i.requiredSeats, 9)}${pad(i.awardedSeats, 9)}${pad(i.unfilledSeats, 9)}${pad(sl, 15)}  ${'█'.repeat(Math.round(i.awardedSeats / 3))}`,
    );
  }
  say('   (every other half-hour shown)');

  const CONTRACTS = `query($id: UUID!) { contracts(spikeId: $id, first: 100) { nodes { id vendorId totalSeatHours rate { amount currency } seats { index seats } } } }`;
  const contracts1 = (await call(brandKey, CONTRACTS, { id: spike1.id })).contracts.nodes as {
    id: string;
    vendorId: string;
    totalSeatHours: number;
    rate: { amount: string; currency: string };
    seats: { index: number; seats: number }[];
  }[];
  say(`\n   ${padEnd('vendor', 22)}${pad('outcome', 9)}${pad('score', 7)}${pad('adj. rate', 11)}${pad('seat-hours', 12)}${pad('contract value', 17)}`);
  for (const v of vendors) {
    const b = first.result.bids.find((x: any) => x.vendorId === v.id);
    const c = contracts1.find((x) => x.vendorId === v.id);
    const value = c ? money({ amount: (c.totalSeatHours * Number(c.rate.amount)).toFixed(2), currency: 'USD' }) : '-';
    say(
      `   ${padEnd(v.name, 22)}${pad(b.status, 9)}${pad(b.score.toFixed(1), 7)}${pad((b.adjustedRate / 100).toFixed(2), 11)}${pad(b.awardedSeatHours, 12)}${pad(value, 17)}`,
    );
  }

  // -------------------------------------------------------------------------------------------
  step(4, 'The delivery day passes (simulated clock) and vendors report actuals');
  const end = Date.parse(spike1.intervals.at(-1)!.startsAt) + HALF_HOUR;
  clock.advance(end + 3_600_000 - clock.now().getTime());
  say(`   clock moved to ${clock.now().toISOString()}`);
  const REPORT = `mutation($input: ReportDeliveryInput!) { reportDelivery(input: $input) { __typename ... on DeliveryReceipt { accepted } ${USER_ERROR} } }`;
  const contactsOf = new Map<string, number>();
  for (const c of contracts1) {
    const v = vendors.find((x) => x.id === c.vendorId)!;
    const reports = c.seats.map((s) => {
      const interval = first.result.intervals.find((i: any) => i.index === s.index);
      const contacts = Math.round((spike1.intervals[s.index]!.forecastContacts * s.seats) / Math.max(1, interval.awardedSeats));
      contactsOf.set(v.id, (contactsOf.get(v.id) ?? 0) + contacts);
      return {
        intervalIndex: s.index,
        staffedSeatHours: Math.round(s.seats * 0.5 * v.underDelivery * 4) / 4,
        contactsHandled: contacts,
        serviceLevelAchieved: v.serviceLevel,
      };
    });
    expectType((await call(v.key, REPORT, { input: { contractId: c.id, reports } })).reportDelivery, 'DeliveryReceipt');
    const note = v.underDelivery < 1 ? `staffed ${Math.round(v.underDelivery * 100)}% of awarded seats` : 'fully staffed';
    say(`   ${padEnd(v.name, 22)} ${reports.length} intervals, ${note}, service level ${(v.serviceLevel * 100).toFixed(0)}% (target 80%)`);
  }

  step(5, 'The brand’s CX team feeds CSAT surveys, QA evaluations and escalations');
  let n = 0;
  const at = (k: number) => new Date(Date.parse(spike1.intervals[16 + (k % 28)]!.startsAt) + 600_000).toISOString();
  // Ratings name their contract and stay within its contacts handled; the brand never rates its
  // own in-house team, which is scored from its delivery data only (docs/quality.md).
  const rated = (v: Vendor) => v.vendorType !== 'IN_HOUSE' && contracts1.some((c) => c.vendorId === v.id);
  const events = vendors.filter(rated).flatMap((v) => {
    const contractId = contracts1.find((c) => c.vendorId === v.id)!.id;
    const escalations = Math.round(((contactsOf.get(v.id) ?? 0) * v.escalationsPerHundred) / 100);
    return [
      ...Array.from({ length: 60 }, (_, k) => ({
        externalId: `${run}-csat-${++n}`,
        kind: 'CSAT',
        vendorId: v.id,
        contractId,
        score: v.csat[k % v.csat.length],
        occurredAt: at(k),
      })),
      ...Array.from({ length: 20 }, (_, k) => ({
        externalId: `${run}-qa-${++n}`,
        kind: 'QA_SCORE',
        vendorId: v.id,
        contractId,
        score: v.qa + ((k % 5) - 2) * 3,
        occurredAt: at(k),
      })),
      ...Array.from({ length: 40 }, (_, k) => ({
        externalId: `${run}-fcr-${++n}`,
        kind: 'FCR',
        vendorId: v.id,
        contractId,
        resolved: k % 10 < (v.qa >= 80 ? 8 : 6),
        occurredAt: at(k),
      })),
      ...Array.from({ length: escalations }, (_, k) => ({
        externalId: `${run}-esc-${++n}`,
        kind: 'ESCALATION',
        vendorId: v.id,
        contractId,
        occurredAt: at(k),
      })),
    ];
  });
  const RECORD = `mutation($input: RecordQualityEventsInput!) { recordQualityEvents(input: $input) { __typename ... on QualityEventBatchReceipt { accepted duplicates rejected } ${USER_ERROR} } }`;
  const receipt = expectType((await call(brandKey, RECORD, { input: { events } })).recordQualityEvents, 'QualityEventBatchReceipt');
  say(`   ${receipt.accepted} events accepted in one batch (${receipt.rejected} rejected); Northwind's customers are unhappy`);
  say('   (the in-house team is not rated: it is scored from its delivery data only)');

  step(6, 'Finance settles the contracts: invoices with service credits, the ledger, reconciliation');
  const SETTLE = `mutation($id: UUID!) { settleContract(contractId: $id) { outcome invoice { id } } }`;
  const INVOICE = `query($id: UUID!) { invoice(id: $id) { number vendorId net { amount currency } fee { amount currency } vendorPayout { amount currency } lines { kind amount { amount currency } } } }`;
  say(`   ${padEnd('invoice', 9)}${padEnd('vendor', 22)}${pad('base', 14)}${pad('credits', 13)}${pad('net', 14)}${pad('fee', 12)}${pad('payout', 14)}`);
  for (const c of contracts1) {
    const settled = (await call(brandFinance, SETTLE, { id: c.id })).settleContract;
    const inv = (await call(brandFinance, INVOICE, { id: settled.invoice.id })).invoice;
    const sum = (kind: string) => inv.lines.filter((l: any) => l.kind === kind).reduce((a: number, l: any) => a + Number(l.amount.amount), 0);
    const m = (x: number) => money({ amount: x.toFixed(2), currency: 'USD' });
    say(
      `   ${padEnd(`#${inv.number}`, 9)}${padEnd(nameOf.get(inv.vendorId)!, 22)}${pad(m(sum('BASE')), 14)}${pad(m(sum('CREDIT')), 13)}${pad(money(inv.net), 14)}${pad(money(inv.fee), 12)}${pad(money(inv.vendorPayout), 14)}`,
    );
  }
  const balances = (await call(operatorFinance, 'query { ledgerBalances(currency: "USD") { organizationId kind balance { amount currency } } }'))
    .ledgerBalances as any[];
  say('\n   ledger balances (USD; debit positive: the brand owes, vendors and the operator are owed):');
  for (const b of balances.filter((x) => nameOf.has(x.organizationId) || x.kind !== 'ORGANIZATION')) {
    say(
      `   ${padEnd(b.kind === 'ORGANIZATION' ? nameOf.get(b.organizationId)! : `operator ${b.kind.toLowerCase().replace('operator_', '')}`, 24)}${pad(money(b.balance), 16)}`,
    );
  }
  const recon = (await call(operatorFinance, 'query { reconciliation { balanced discrepancies sums { amount currency } } }')).reconciliation;
  say(
    `   reconciliation: ${recon.balanced ? 'balanced' : 'DISCREPANCIES'}; ledger sums ${recon.sums.map(money).join(', ') || '0'}${recon.discrepancies.length ? `\n   ${recon.discrepancies.join('\n   ')}` : ''}`,
  );

  step(7, 'The quality worker rescores every vendor');
  const CARD = `query($id: UUID!) { vendorScorecard(vendorId: $id) { composite computedAt metrics { metric value samples } } }`;
  const cards = new Map<string, any>();
  await waitFor('scores', async () => {
    for (const v of vendors) cards.set(v.id, (await call(brandKey, CARD, { id: v.id })).vendorScorecard);
    return vendors.every((v) => cards.get(v.id).metrics.find((m: any) => m.metric === 'CSAT')?.samples > 0 || !rated(v)) ? true : null;
  });
  say(
    `   ${padEnd('vendor', 22)}${pad('before', 8)}${pad('after', 8)}   ${['CSAT', 'QA', 'FCR', 'ADHERENCE', 'SERVICE_LEVEL', 'ESCALATION'].map((m) => pad(m.slice(0, 10).toLowerCase(), 11)).join('')}`,
  );
  for (const v of vendors) {
    const card = cards.get(v.id);
    const before = first.result.bids.find((b: any) => b.vendorId === v.id).score;
    const metric = (name: string) => card.metrics.find((m: any) => m.metric === name)?.value.toFixed(2) ?? '-';
    say(
      `   ${padEnd(v.name, 22)}${pad(before.toFixed(1), 8)}${pad(card.composite.toFixed(1), 8)}   ${['CSAT', 'QA', 'FCR', 'ADHERENCE', 'SERVICE_LEVEL', 'ESCALATION'].map((m) => pad(metric(m), 11)).join('')}`,
    );
  }

  step(8, 'A second spike with the same bids: the scores now weigh every rate');
  const spike2 = await postSpike(`Cyber Monday chat ${run}`);
  const second = await bidAndClear(spike2, 'two');
  say(
    `   ${padEnd('vendor', 22)}${pad('rate', 8)}${pad('score 1', 9)}${pad('adj. 1', 9)}${pad('seat-h 1', 10)}${pad('score 2', 9)}${pad('adj. 2', 9)}${pad('seat-h 2', 10)}`,
  );
  for (const v of vendors) {
    const a = first.result.bids.find((b: any) => b.vendorId === v.id);
    const b = second.result.bids.find((x: any) => x.vendorId === v.id);
    say(
      `   ${padEnd(v.name, 22)}${pad((v.rate / 100).toFixed(2), 8)}${pad(a.score.toFixed(1), 9)}${pad((a.adjustedRate / 100).toFixed(2), 9)}${pad(a.awardedSeatHours, 10)}${pad(b.score.toFixed(1), 9)}${pad((b.adjustedRate / 100).toFixed(2), 9)}${pad(b.awardedSeatHours, 10)}`,
    );
  }
  const northwind = vendors[0]!;
  const lost =
    second.result.bids.find((b: any) => b.vendorId === northwind.id).awardedSeatHours -
    first.result.bids.find((b: any) => b.vendorId === northwind.id).awardedSeatHours;
  say(`\n   ${northwind.name} is still the cheapest, but poor CSAT and under-delivery cost it ${Math.abs(lost)} seat-hours in the second auction.`);

  say(`\n${bold('Done.')} Every step above went through the public GraphQL API at ${graphqlUrl}.`);
  if (keepRunning) {
    say('\nThe API stays up for exploration (Ctrl-C to stop). Keys from this run:');
    say(`   operator ${operatorKey}\n   brand    ${brandKey}\n   finance  ${brandFinance}`);
    for (const v of vendors) say(`   ${padEnd(v.name, 21)}${v.key}`);
    say(
      `   e.g. curl -s ${graphqlUrl} -H 'content-type: application/json' -H 'authorization: Bearer ${brandKey}' -d '{"query":"{ vendorRankings(skill: \\"billing\\") { nodes { rank vendorName composite } } }"}'`,
    );
    const personas = [
      { who: 'brand planner', key: brandKey },
      { who: 'brand finance', key: brandFinance },
      { who: `vendor (${vendors[0]!.name})`, key: vendors[0]!.key },
      { who: 'operator', key: operatorKey },
    ];
    await printConsoleLinks(call, base, personas, say);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0));
  } else {
    say(`Run it with --keep-running for one-time sign-in links to the web console at ${base}/console/.`);
    await shutdown(0);
  }
} catch (error) {
  console.error(`\nThe demo failed: ${(error as Error).message}`);
  await shutdown(1);
}

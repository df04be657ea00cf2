/**
 * `npm run demo [-- --keep-running]`: one whole market cycle through the real API over HTTP.
 *
 * Starts the API and the worker stack (clearing, settlement, quality and webhook workers and the
 * outbox relay, as workers/main.ts composes them) in this process on the profile's platform
 * (src/platform/platform.ts): with no DATABASE_URL or REDIS_URL, an embedded PostgreSQL in a fresh
 * temporary folder (BURST_DATA_DIR to keep one); otherwise DATABASE_URL and REDIS_URL,
 * onboards a brand, three outsourcers and the brand's in-house team, posts a day of 30-minute chat
 * intervals shaped like a peak day, has every vendor bid with its own key, clears, lives through
 * the delivery day (a simulated clock jumps forward), reports actuals (one vendor under-delivers,
 * one misses its service level), feeds quality events (one vendor gets poor CSAT), settles, and
 * runs a second spike to show what the scores changed.
 *
 * Every organisation is new (names carry a run id), so the demo can run against a database that
 * already holds data; its queues live under their own prefix and are removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigOrExit } from '../src/config.js';
import { bootstrapOperator } from '../src/domain/access/organizations.js';
import { SimulatedClock } from '../src/domain/shared/clock.js';
import { createSecretBox } from '../src/domain/webhooks/secret-box.js';
import { createLogger } from '../src/logger.js';
import { embeddedUrl } from '../src/persistence/embedded/embedded-database.js';
import { createPlatform } from '../src/platform/platform.js';
import { createApiServer } from '../src/server.js';
import { startWorkerStack } from '../workers/worker-stack.js';
import { graphqlClient } from './demo/client.js';
import { auctionAndDelivery, settleAndRescore } from './demo/cycle.js';
import { onboard } from './demo/market.js';
import { bold, say } from './demo/output.js';
import { checkServices } from './demo/services.js';
import { printConsoleLinks } from './demo/console-links.js';
import { liveServices, whereThingsAre } from './demo/live-api.js';

const startedAt = Date.now();
const keepRunning = process.argv.includes('--keep-running');
const config = loadConfigOrExit({ LOG_LEVEL: 'warn', ...process.env });
// Embedded without BURST_DATA_DIR: a fresh folder of its own, removed at the end.
const scratch =
  config.profile === 'embedded' && !process.env.BURST_DATA_DIR?.trim() && !process.env.DATABASE_URL ? mkdtempSync(join(tmpdir(), 'burst-demo-')) : null;
const databaseUrl = scratch ? embeddedUrl(scratch) : config.databaseUrl;

if (config.profile !== 'embedded') await checkServices(config, config.profile === 'redis');
const logger = createLogger(config.logLevel, 'demo');
// QUEUE_PREFIX, when given, is used as it is (and its queues are left alone at the end); otherwise a prefix of this run's own.
const ownPrefix = !process.env.QUEUE_PREFIX?.trim();
const prefix = ownPrefix ? `bx-demo-${randomBytes(3).toString('hex')}` : config.queuePrefix;
const platform = await createPlatform({ profile: config.profile, databaseUrl, redisUrl: config.redisUrl, prefix, logger, migrate: true });
const { orm, backend } = platform;
const clock = new SimulatedClock();
const policy = { feePpm: config.feePpm, graceMs: config.settlementGraceMs };
const secrets = createSecretBox(config.webhookSecretKey);
// The workers as production composes them, on the demo's clock; no sweeper schedules (nothing here is lost).
const stack = await startWorkerStack({
  orm,
  clock,
  logger,
  backend,
  secrets,
  settings: {
    concurrency: 2,
    sweepIntervalMs: config.sweepIntervalMs,
    scoreRefreshMs: config.scoreRefreshMs,
    outboxPollMs: config.outboxPollMs,
    settlementPolicy: policy,
    webhooks: {
      retry: { attempts: config.webhookAttempts, backoffMs: config.webhookBackoffMs },
      timeoutMs: config.webhookTimeoutMs,
      allowPrivateNetworks: config.webhookUrlPolicy.allowPrivateNetworks,
    },
  },
  run: { schedules: false },
});
// A full API: subscriptions (the relay's events), per-key rate limits, the queue board, GraphiQL.
const live = await liveServices(platform, config, prefix);
const api = await createApiServer({
  webhooks: { secrets, urlPolicy: config.webhookUrlPolicy },
  orm,
  clock,
  logger,
  production: false,
  settlementPolicy: policy,
  events: live.events,
  queues: stack.queues.all,
  graphiql: { enabled: true },
  ...(live.rateLimiter ? { rateLimiter: live.rateLimiter } : {}),
});
let base: string;
try {
  base = await api.listen(config.port);
} catch (error) {
  // PORT given and taken: say so. Not given and 4000 taken (a dev server?): any free port will do.
  if (process.env.PORT?.trim()) {
    console.error(`The demo cannot listen on PORT ${config.port}: ${(error as Error).message}`);
    process.exit(1);
  }
  base = await api.listen(0);
}
const graphqlUrl = `${base}/graphql`;

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await api.close();
  await stack.close();
  if (ownPrefix) for (const q of stack.queues.all) await q.obliterate({ force: true }).catch(() => {});
  await live.close();
  await platform.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  process.exit(code);
}

try {
  const run = randomBytes(2).toString('hex');
  const demo = { call: graphqlClient(graphqlUrl), clock, run };
  say(bold(`Burst Exchange demo (run ${run})`));
  say(`API ${graphqlUrl}   ${platform.describe}`);
  const operatorKey = (await bootstrapOperator(orm.em.fork(), clock))!.secret;
  const market = await onboard(demo, operatorKey);
  await settleAndRescore(demo, market, await auctionAndDelivery(demo, market));

  say(`\n${bold('Done.')} Every step above went through the public GraphQL API at ${graphqlUrl}.`);
  say(`Demo took ${((Date.now() - startedAt) / 1000).toFixed(1)} s; RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB (profile ${platform.profile}).`);
  if (keepRunning) {
    const keys = [
      { who: 'operator', key: operatorKey },
      { who: 'brand', key: market.brandKey },
      { who: 'brand finance', key: market.brandFinance },
      ...market.vendors.map((v) => ({ who: v.name, key: v.key })),
    ];
    for (const line of whereThingsAre(base, api.metricsUrl(), prefix, config, platform.describe, keys)) say(line);
    say(
      `   e.g. curl -si ${graphqlUrl} -H 'content-type: application/json' -H 'authorization: Bearer ${market.brandKey}' -d '{"query":"{ vendorRankings(skill: \\"billing\\") { nodes { rank vendorName composite } } }"}'`,
    );
    const personas = [
      { who: 'brand planner', key: market.brandKey },
      { who: 'brand finance', key: market.brandFinance },
      { who: `vendor (${market.vendors[0]!.name})`, key: market.vendors[0]!.key },
      { who: 'operator', key: operatorKey },
    ];
    await printConsoleLinks(demo.call, base, personas, say);
    say(`\n${bold('Ready.')}`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0));
  } else {
    say(`Run it with --keep-running for one-time sign-in links to the web console at ${base}/console/.`);
    await shutdown(0);
  }
} catch (error) {
  console.error(`\nThe demo failed: ${(error as Error).message}`);
  await shutdown(1);
}

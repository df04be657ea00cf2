import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createOrm } from '../src/persistence/orm.js';
import { PGLITE_TEMPLATE, SKIPS_FILE, TEST_DATABASE_URL, TEST_PROFILE, TEST_REDIS_URL } from './support/env.js';

/**
 * Once per test run: make sure the test database exists and carries the committed
 * migrations (applied with the real migrator; tests empty the tables themselves), and that Redis answers. Fails fast, with the
 * address, when a service is down. On the embedded profile: migrate one in-memory PGlite and
 * archive it as the template every test process starts from. At the end, list the skipped files.
 */
export default async function setup(): Promise<() => void> {
  rmSync(SKIPS_FILE, { force: true });
  console.log(`Test profile: ${TEST_PROFILE} (${TEST_PROFILE === 'embedded' ? 'PGlite in each test process, no services' : TEST_DATABASE_URL})`);
  if (TEST_PROFILE === 'embedded') await embeddedTemplate();
  else await services();
  return printSkips;
}

async function embeddedTemplate(): Promise<void> {
  delete process.env.BURST_PGLITE_TEMPLATE; // built from nothing
  const { createPlatform } = await import('../src/platform/platform.js');
  const { pino } = await import('pino');
  const platform = await createPlatform({
    profile: 'embedded',
    databaseUrl: 'pglite:memory',
    redisUrl: TEST_REDIS_URL,
    prefix: 'bx',
    logger: pino({ level: 'silent' }),
  });
  const { openEmbedded } = await import('../src/persistence/embedded/embedded-database.js');
  const embedded = await openEmbedded('pglite:memory');
  const archive = await embedded.db.dumpDataDir('gzip');
  writeFileSync(PGLITE_TEMPLATE, Buffer.from(await archive.arrayBuffer()));
  await platform.close();
  await embedded.db.close();
  process.env.BURST_PGLITE_TEMPLATE = PGLITE_TEMPLATE;
}

async function services(): Promise<void> {
  const url = new URL(TEST_DATABASE_URL);
  const dbName = url.pathname.slice(1);
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${admin.host}: ${(error as Error).message}`);
  }
  const exists = await client.query('select 1 from pg_database where datname = $1', [dbName]);
  if (exists.rowCount === 0) await client.query(`create database "${dbName.replace(/"/g, '')}"`);
  await client.end();

  const orm = await createOrm(TEST_DATABASE_URL, 2);
  orm.config.set('logger', () => {});
  await orm.migrator.up();
  await orm.close();
  if (TEST_PROFILE === 'postgres') return;

  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${TEST_REDIS_URL}: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** The files skipped for want of a service, with the reason, and how many. */
function printSkips(): void {
  if (!existsSync(SKIPS_FILE)) return;
  const skips = [
    ...new Map(
      readFileSync(SKIPS_FILE, 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l, JSON.parse(l) as { file: string; reason: string }]),
    ).values(),
  ];
  console.log(`\nSkipped on the ${TEST_PROFILE} profile (${skips.length} files):`);
  for (const s of skips.sort((a, b) => a.file.localeCompare(b.file))) console.log(`  - ${s.file}: ${s.reason}`);
}

import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKey } from '../src/domain/access/api-keys.js';
import { createOrm } from '../src/persistence/orm.js';
import { gql, ok } from './support/client.js';
import { TEST_DATABASE_URL } from './support/env.js';
import { describeNeeding } from './support/requires.js';

/**
 * Moving an embedded data folder to a real PostgreSQL (README; scripts/data-export.ts): the demo
 * fills a data folder through the app, `npm run data:export` dumps it (and refuses while the
 * folder is open), psql loads the dump into a new database on this machine's PostgreSQL (15), and
 * the copy holds every row and the same ledger balances, has no pending migration, and the API
 * (src/main.ts, PostgreSQL-only profile) starts on it and reconciles clean.
 */
const run = promisify(execFile);
let scratch = '';
let dataDir = '';
let dumpFile = '';
const targetName = `burst_export_${randomBytes(4).toString('hex')}`;
const targetUrl = Object.assign(new URL(TEST_DATABASE_URL), { pathname: `/${targetName}` }).toString();
const adminUrl = Object.assign(new URL(TEST_DATABASE_URL), { pathname: '/postgres' }).toString();

/** This process's environment without any service, so the children run the embedded profile. */
function embeddedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'REDIS_URL', 'TEST_REDIS_URL', 'BURST_PROFILE', 'QUEUE_PREFIX', 'BURST_PGLITE_TEMPLATE'])
    delete env[name];
  return { ...env, ...extra };
}

const exportCli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/data-export.ts', ...args], { env: embeddedEnv({ BURST_DATA_DIR: dataDir }) }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

const TABLES = `select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
const BALANCES = `select account_id::text as a, sum(amount_minor)::text as s from ledger_entry group by account_id order by account_id`;

type Query = (sql: string) => Promise<Record<string, string>[]>;
async function snapshot(query: Query): Promise<{ counts: Record<string, number>; balances: Record<string, string>[] }> {
  const tables = (await query(TABLES)).map((r) => r.t!);
  const counts = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, Number((await query(`select count(*)::text as n from "${t}"`))[0]!.n)])));
  return { counts, balances: await query(BALANCES) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let api: ChildProcess | undefined;
let target: pg.Client | undefined;

describeNeeding(import.meta.url, ['postgres-server'])('moving an embedded data folder to a real PostgreSQL', () => {
  beforeAll(async () => {
    // A whole market cycle through the real API on a data folder of its own (scripts/demo.ts).
    scratch = mkdtempSync(join(tmpdir(), 'burst-export-'));
    dataDir = join(scratch, 'data');
    dumpFile = join(scratch, 'burst.sql');
    await run(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { env: embeddedEnv({ BURST_DATA_DIR: dataDir }), maxBuffer: 64 * 1024 * 1024 }).catch(
      (e: { stderr: string; stdout: string }) => {
        throw new Error(`demo failed: ${e.stderr.slice(-3000)} ${e.stdout.slice(-2000)}`);
      },
    );
  }, 240_000);

  afterAll(async () => {
    api?.kill('SIGTERM');
    await target?.end();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists "${targetName}" with (force)`);
    await admin.end();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('refuses the folder while a process holds it, and writes nothing', async () => {
    const db = await PGlite.create(dataDir);
    try {
      const refused = await exportCli(['--out', dumpFile]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/open in another process .*stop the API/);
      expect(existsSync(dumpFile)).toBe(false);
    } finally {
      await db.close();
    }
    const missing = await exportCli(['--out', dumpFile, '--data-dir', join(scratch, 'nothing-here')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No embedded database/);
  }, 60_000);

  it('exports a dump that PostgreSQL 15+ loads with every row and the same ledger balances', async () => {
    const exported = await exportCli(['--out', dumpFile]);
    expect(exported.code, exported.stderr).toBe(0);
    const dump = readFileSync(dumpFile, 'utf8');
    expect(dump).not.toMatch(/transaction_timeout|CREATE SCHEMA bullmq/);

    const source = await PGlite.create(dataDir);
    const before = await snapshot(async (sql) => (await source.query<Record<string, string>>(sql)).rows).finally(() => source.close());
    // The cycle really happened: contracts settled, money on the ledger.
    expect(before.counts.ledger_entry).toBeGreaterThan(0);
    expect(before.counts.settlement).toBeGreaterThan(0);
    expect(before.balances.length).toBeGreaterThan(0);

    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database "${targetName}"`);
    await admin.end();
    const psql = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-d', targetUrl, '-f', dumpFile], { encoding: 'utf8' });
    expect(psql.status, psql.stderr).toBe(0);
    expect(psql.stderr).not.toMatch(/ERROR/);

    target = new pg.Client({ connectionString: targetUrl });
    await target.connect();
    const version = (await target.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]!.v;
    expect(Number(version)).toBeGreaterThanOrEqual(150000);
    const after = await snapshot(async (sql) => (await target!.query<Record<string, string>>(sql)).rows);
    expect(after.counts).toEqual(before.counts);
    expect(after.balances).toEqual(before.balances);
    // The ledger's rules came along, and hold from the first write after the load.
    await expect(target.query('update ledger_entry set amount_minor = amount_minor + 1 where id = (select id from ledger_entry limit 1)')).rejects.toThrow(
      /append-only/,
    );
    await expect(target.query('delete from ledger_entry where id = (select id from ledger_entry limit 1)')).rejects.toThrow(/append-only/);
    await expect(
      target.query(`insert into ledger_entry (id, transaction_id, account_id, amount_minor, posted_at)
                    select gen_random_uuid(), transaction_id, account_id, 1, posted_at from ledger_entry limit 1`),
    ).rejects.toThrow();
    expect((await target.query<{ n: string }>('select count(*)::text as n from ledger_entry')).rows[0]!.n).toBe(String(before.counts.ledger_entry));

    const orm = await createOrm(targetUrl, 2);
    try {
      expect(await orm.migrator.getPending()).toEqual([]);
    } finally {
      await orm.close();
    }
  }, 120_000);

  it('starts the API on the copy (PostgreSQL-only profile, no db:migrate) and reconciles clean', async () => {
    const port = await freePort();
    const operatorKey = generateKey().key;
    let output = '';
    api = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: embeddedEnv({ DATABASE_URL: targetUrl, BURST_PROFILE: 'postgres', PORT: String(port), BOOTSTRAP_OPERATOR_KEY: operatorKey, LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    api.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (ready === 200) break;
      if (Date.now() > deadline || api.exitCode !== null) throw new Error(`the API did not become ready: ${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const books = ok(
      await gql<{ reconciliation: { balanced: boolean; discrepancyCount: number; discrepancies: string[] } }>(
        `${base}/graphql`,
        '{ reconciliation { balanced discrepancyCount discrepancies } }',
        {},
        operatorKey,
      ),
    );
    expect(books.reconciliation).toEqual({ balanced: true, discrepancyCount: 0, discrepancies: [] });
  }, 90_000);
});

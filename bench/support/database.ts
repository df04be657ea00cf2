import pg from 'pg';
import { createOrm, type MikroORM } from '../../src/persistence/orm.js';
import { rmSync } from 'node:fs';
import { embeddedDataDir } from '../../src/persistence/embedded/embedded-url.js';
import { EMBEDDED } from './profile.js';

/**
 * The benchmarks' own database: BENCH_DATABASE_URL, by default a PostgreSQL database of its own,
 * or in the embedded profile a PGlite data folder of its own (`.burst/bench`, created by a child
 * process as the API creates its folder, so PGlite's initdb peak is not in the measured process's
 * RSS; `pglite:memory` would run initdb in this process).
 */
export const BENCH_DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? (EMBEDDED ? 'pglite:.burst/bench' : 'postgres://postgres@127.0.0.1:5432/burst_exchange_bench');
if (EMBEDDED && !BENCH_DATABASE_URL.startsWith('pglite:')) throw new Error(`The embedded profile benchmarks a pglite: database, got ${BENCH_DATABASE_URL}`);

/**
 * The benchmarks' own database, created if missing, migrated, and emptied (every table but the
 * migration log and the scoring policy, which goes back to its default version).
 *
 * Embedded: the data folder is removed instead and created again (by a child process, as the API
 * creates one): the queues live in it under fixed names, so an earlier run's jobs and schedules (a
 * settlement sweeper) would run in this one; and emptying a used folder grows PGlite's heap, which
 * never shrinks, by some 300 MiB that the run's RSS would then carry.
 */
export async function freshBenchDatabase(poolSize = 4): Promise<MikroORM> {
  const dataDir = EMBEDDED ? embeddedDataDir(BENCH_DATABASE_URL) : null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (!EMBEDDED) {
    const name = new URL(BENCH_DATABASE_URL).pathname.slice(1);
    const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    if (!(await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount) await admin.query(`create database "${name.replace(/"/g, '')}"`);
    await admin.end();
  }

  const orm = await createOrm(BENCH_DATABASE_URL, poolSize);
  orm.config.set('logger', () => {});
  await orm.migrator.up();
  const sql = orm.em.getConnection();
  if (dataDir) return orm; // a new folder: nothing to empty
  const tables = await sql.execute<{ tablename: string }[]>(
    `select tablename from pg_tables where schemaname = 'public' and tablename not in ('mikro_orm_migrations', 'scoring_policy')`,
  );
  await sql.execute(`truncate ${tables.map((t) => `"${t.tablename}"`).join(', ')} cascade`);
  await sql.execute('delete from scoring_policy where version > 1');
  return orm;
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_QUEUE_SCHEMA } from './embedded-url.js';

/**
 * Moves an embedded data folder to a real PostgreSQL: a plain SQL dump of everything but the
 * queues, written by PGlite's own pg_dump (`@electric-sql/pglite-tools`, a WebAssembly build of
 * PostgreSQL 18's pg_dump that talks to PGlite in this process). The dump creates the schema as
 * it stands (the migrations table included, so the target needs no `db:migrate`), loads the rows
 * and only then adds the foreign keys and the triggers: the ledger's append-only and balance
 * triggers are not in the way of the load, and hold from the first write after it.
 * docs/decisions.md says why this and not a table-by-table copy.
 */

/** The folder is open in a process (PGlite writes postmaster.pid while open and removes it on close). */
export class DataFolderInUseError extends Error {}
export class NoDataFolderError extends Error {}

/**
 * Statements of a PostgreSQL 18 dump that an older server refuses. `SET transaction_timeout`
 * (new in 17) is the only one this schema's dump contains; the restore test on PostgreSQL 15
 * (test/embedded-export.test.ts) fails if another appears.
 */
const NEWER_THAN_15 = [/^SET transaction_timeout = .*;\n/gm];

/**
 * The dump, adapted to load on PostgreSQL 15 and newer. Only the preamble (before the first
 * object) is touched: a row's text that happens to hold such a line stays as it is.
 */
export function forPostgres15(dump: string): string {
  const firstObject = dump.indexOf('\n-- Name: ');
  const end = firstObject === -1 ? dump.length : firstObject;
  return NEWER_THAN_15.reduce((sql, pattern) => sql.replace(pattern, ''), dump.slice(0, end)) + dump.slice(end);
}

/** Refuses a folder that is missing, not a cluster, or open in a process (`force` for a stale lock after a crash). */
export function checkDataFolder(dir: string, force = false): void {
  if (!existsSync(join(dir, 'PG_VERSION'))) throw new NoDataFolderError(`No embedded database in ${dir} (no PG_VERSION): nothing to export`);
  if (!force && existsSync(join(dir, 'postmaster.pid')))
    throw new DataFolderInUseError(
      `The embedded database in ${dir} is open in another process (postmaster.pid is present): stop the API (npm start / npm run dev / the demo) first. ` +
        'If nothing runs on it (a crash left the file behind), run again with --force.',
    );
}

/** The plain SQL dump of the folder's marketplace (every schema but the queues'), ready for psql on PostgreSQL 15+. */
export async function exportDataFolder(dir: string, options: { force?: boolean } = {}): Promise<string> {
  checkDataFolder(dir, options.force);
  const { PGlite } = await import('@electric-sql/pglite');
  const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
  const db = await PGlite.create(dir);
  try {
    // pgDump adds --inserts (one INSERT per row) and its own -U and -f; owners and grants are the target's.
    const file = await pgDump({ pg: db, args: ['--no-owner', '--no-privileges', `--exclude-schema=${EMBEDDED_QUEUE_SCHEMA}`] });
    return forPostgres15(await file.text());
  } finally {
    await db.close();
  }
}

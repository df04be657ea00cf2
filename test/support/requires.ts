import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'vitest';
import { SKIPS_FILE, TEST_PROFILE } from './env.js';

/**
 * What a test file needs beyond one database in its own process. On the embedded profile (no
 * services configured) these are missing: the file is skipped, and the reason is recorded and
 * printed with a count at the end of the run (test/global-setup.ts).
 */
export type Need =
  /** Separate processes sharing one database (PGlite lives in one process). */
  | 'separate-processes'
  /** A Redis server (the test inspects or breaks Redis itself). */
  | 'redis'
  /** A TCP proxy in front of PostgreSQL (the test cuts the database's connections). */
  | 'tcp-proxy'
  /** A PostgreSQL server reached over TCP (node-postgres clients, a second database, pg_stat_activity). */
  | 'postgres-server';

const REASONS: Record<Need, string> = {
  'separate-processes': 'needs separate processes sharing one database',
  redis: 'needs a redis-server',
  'tcp-proxy': 'needs a TCP proxy in front of PostgreSQL',
  'postgres-server': 'needs a PostgreSQL server over TCP',
};

/** The needs this run cannot meet: all of them on the embedded profile, those of Redis on the PostgreSQL-only one. */
export function missing(needs: readonly Need[]): Need[] {
  if (TEST_PROFILE === 'embedded') return [...needs];
  if (TEST_PROFILE === 'postgres') return needs.filter((n) => n === 'redis');
  return [];
}

/**
 * `describe`, skipped (and recorded) when this run cannot meet `needs`. `file` is the test file's
 * `import.meta.url`.
 */
export function describeNeeding(file: string, needs: readonly Need[]): typeof describe | typeof describe.skip {
  return record(file, needs, '') ? describe.skip : describe;
}

/** `it`, skipped (and recorded, with the test's name) when this run cannot meet `needs`. */
export function itNeeding(file: string, needs: readonly Need[], name: string): typeof it | typeof it.skip {
  return record(file, needs, name) ? it.skip : it;
}

/** Records the skip, if any; true when skipped. */
function record(file: string, needs: readonly Need[], name: string): boolean {
  const absent = missing(needs);
  if (!absent.length) return false;
  const where = `test/${basename(new URL(file).pathname)}${name ? ` › ${name}` : ''}`;
  appendFileSync(SKIPS_FILE, `${JSON.stringify({ file: where, reason: absent.map((n) => REASONS[n]).join('; ') })}\n`);
  return true;
}

import { resolve } from 'node:path';
import type { Profile } from '../../src/config.js';

/**
 * Test services: the same variables as the app, pointing at a separate test database by default.
 * With none of them set (nor BURST_PROFILE), the suite runs on the embedded profile: an in-memory
 * PGlite per test process, copied from the migrated template the global setup archives.
 */
const configured = ['TEST_DATABASE_URL', 'DATABASE_URL', 'TEST_REDIS_URL', 'REDIS_URL'].some((v) => process.env[v]?.trim());
export const TEST_PROFILE: Profile = (process.env.BURST_PROFILE?.trim() as Profile | undefined) || (configured ? 'redis' : 'embedded');
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  (TEST_PROFILE === 'embedded' ? 'pglite:memory' : 'postgres://postgres@127.0.0.1:5432/burst_exchange_test');
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The migrated embedded database the global setup archives; each test process starts from a copy. */
export const PGLITE_TEMPLATE = resolve('node_modules/.vitest-cache/pglite-template.tar.gz');
/** Where test files record what they skipped and why (printed and counted at the end of the run). */
export const SKIPS_FILE = resolve('node_modules/.vitest-cache/skipped.jsonl');
if (TEST_PROFILE === 'embedded') process.env.BURST_PGLITE_TEMPLATE ??= PGLITE_TEMPLATE;

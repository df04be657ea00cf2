import { mkdirSync, readFileSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { embeddedDataDir, EMBEDDED_QUEUE_SCHEMA } from './embedded-url.js';
import { initialiseDataFolder } from './initialise-folder.js';
import { PgliteBridge, type PglitePool } from './pglite-pool.js';

export { embeddedDataDir, embeddedUrl, EMBEDDED_QUEUE_SCHEMA, isEmbeddedUrl } from './embedded-url.js';

/**
 * The embedded profile's database: PGlite in this process. Its location is written as a database
 * URL, `pglite:<folder>` (a data folder, created when missing) or `pglite:memory` (nothing on disk),
 * so everything that takes DATABASE_URL (createOrm, the queue backend, the tests) takes it too.
 *
 * One location is one PGlite per process, shared by every pool opened on it (the ORM, BullMQ,
 * raw SQL) and closed when the last user closes. `pglite:memory` starts from the data folder
 * archive in BURST_PGLITE_TEMPLATE when set (the test run migrates once and archives the result).
 */

interface Open {
  db: PGlite;
  bridge: PgliteBridge;
  users: number;
}

const open = new Map<string, Promise<Open>>();

async function start(url: string): Promise<Open> {
  const dir = embeddedDataDir(url);
  const template = process.env.BURST_PGLITE_TEMPLATE;
  // Loaded only by the embedded profile: the other profiles never pay for the WebAssembly build.
  const { PGlite } = await import('@electric-sql/pglite');
  let db: PGlite;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    await initialiseDataFolder(dir);
    db = await PGlite.create(dir, { relaxedDurability: false });
  } else if (template) {
    db = await PGlite.create({ loadDataDir: new Blob([readFileSync(template)]), relaxedDurability: true });
  } else {
    db = await PGlite.create({ relaxedDurability: true });
  }
  // The app's tables first; BullMQ's functions and tables are found in their own schema.
  await db.exec(`create schema if not exists ${EMBEDDED_QUEUE_SCHEMA}; set search_path = public, ${EMBEDDED_QUEUE_SCHEMA}`);
  return { db, bridge: await PgliteBridge.open(db), users: 0 };
}

/** A pool on the embedded database at `url`; `close` gives it back (the last one closes PGlite). */
export async function openEmbedded(url: string): Promise<{ pool: PglitePool; db: PGlite; close(): Promise<void> }> {
  const key = embeddedDataDir(url) ?? 'memory';
  let entry = open.get(key);
  if (!entry) {
    entry = start(url);
    open.set(key, entry);
    entry.catch(() => open.delete(key));
  }
  const o = await entry;
  o.users += 1;
  let closed = false;
  return {
    pool: o.bridge.pool(),
    db: o.db,
    async close() {
      if (closed) return;
      closed = true;
      o.users -= 1;
      // An in-memory database lives as long as the process (a test file opens and closes it often).
      if (o.users > 0 || key === 'memory') return;
      open.delete(key);
      await o.db.close();
    },
  };
}

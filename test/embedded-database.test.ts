import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../src/persistence/embedded/embedded-database.js';
import { createOrm, type MikroORM } from '../src/persistence/orm.js';

/**
 * The embedded database's one connection (src/persistence/embedded/pglite-pool.ts): a transaction
 * holds it from BEGIN to COMMIT, so concurrent requests never interleave statements inside one
 * transaction; work a transaction does through another client joins it instead of deadlocking.
 * Runs on every profile: it opens an embedded database of its own.
 */
const URL = 'pglite:memory';
let orm: MikroORM;
let close: () => Promise<void>;

beforeAll(async () => {
  orm = await createOrm(URL, 4);
  const embedded = await openEmbedded(URL);
  close = embedded.close;
  await embedded.pool.query('create table if not exists serial_probe (tx int not null, step int not null, seq bigserial primary key)');
  await embedded.pool.query('create table if not exists serial_counter (id int primary key, n int not null)');
  await embedded.pool.query('insert into serial_counter values (1, 0) on conflict do nothing');
}, 60_000);

afterAll(async () => {
  await orm.close();
  await close();
});

const pause = () => new Promise((r) => setTimeout(r, Math.random() * 5));

describe('the embedded database', () => {
  it('never interleaves the statements of concurrent transactions', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, tx) =>
        orm.em.fork().transactional(async (em) => {
          for (let step = 0; step < 5; step++) {
            await em.execute('insert into serial_probe (tx, step) values (?, ?)', [tx, step]);
            await pause(); // other requests get every chance to slip in between
          }
        }),
      ),
    );
    const rows = await orm.em.fork().execute<{ tx: number; step: number }[]>('select tx, step from serial_probe order by seq');
    expect(rows).toHaveLength(40);
    // Each transaction's five rows are consecutive: nothing ran inside it but its own statements.
    for (let i = 0; i < rows.length; i += 5) {
      const block = rows.slice(i, i + 5);
      expect(new Set(block.map((r) => r.tx)).size).toBe(1);
      expect(block.map((r) => r.step)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('keeps read-modify-write transactions exact under concurrency, and a rolled-back one changes nothing', async () => {
    const increment = () =>
      orm.em.fork().transactional(async (em) => {
        const [row] = await em.execute<{ n: number }[]>('select n from serial_counter where id = 1');
        const n = row!.n;
        await pause();
        await em.execute('update serial_counter set n = ? where id = 1', [n + 1]);
      });
    const failing = orm.em.fork().transactional(async (em) => {
      await em.execute('update serial_counter set n = n + 1000 where id = 1');
      await pause();
      throw new Error('rolled back');
    });
    await Promise.all([...Array.from({ length: 20 }, increment), failing.catch(() => undefined)]);
    const [row] = await orm.em.fork().execute<{ n: number }[]>('select n from serial_counter where id = 1');
    expect(row!.n).toBe(20);
  });

  it('lets a transaction’s own work through another client join it instead of waiting for itself', async () => {
    const { pool, close: release } = await openEmbedded(URL);
    try {
      await orm.em.fork().transactional(async (em) => {
        await em.execute('insert into serial_probe (tx, step) values (100, 0)');
        // What the outbox relay does: BullMQ adds its job through its own pool, inside the relay's transaction.
        await pool.query('insert into serial_probe (tx, step) values (100, 1)');
      });
      const rows = await orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from serial_probe where tx = 100');
      expect(rows[0]!.n).toBe(2);
    } finally {
      await release();
    }
  });

  it('serves prepared statements and parameters as node-postgres does', async () => {
    const { pool, close: release } = await openEmbedded(URL);
    try {
      const r = await pool.query({
        name: 'probe',
        text: 'select $1::int8 as big, $2::jsonb as doc, $3::timestamptz as at, $4::bytea as raw, $5::uuid[] as ids',
        values: ['9007199254740993', { a: [1, 'x'] }, new Date('2026-12-07T10:00:00Z'), Buffer.from([1, 2, 3]), ['00000000-0000-0000-0000-000000000001']],
      });
      const row = r.rows[0]!;
      expect(row.big).toBe('9007199254740993');
      expect(row.doc).toEqual({ a: [1, 'x'] });
      expect(new Date(row.at as string).toISOString()).toBe('2026-12-07T10:00:00.000Z');
      expect(Buffer.from(row.raw as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
      expect(row.ids).toEqual(['00000000-0000-0000-0000-000000000001']);
      expect(r.command).toBe('SELECT');
    } finally {
      await release();
    }
  });
});

describe('a data folder', () => {
  it('is created by a child process, keeps what was written across a reopen, and is left alone once it exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'burst-folder-'));
    try {
      const url = `pglite:${dir}`;
      const first = await openEmbedded(url);
      await first.pool.query('create table kept (n int)');
      await first.pool.query('insert into kept values (42)');
      await first.close();
      const created = (await stat(join(dir, 'PG_VERSION'))).mtimeMs;

      const again = await openEmbedded(url);
      expect((await again.pool.query('select n from kept')).rows).toEqual([{ n: 42 }]);
      await again.close();
      expect((await stat(join(dir, 'PG_VERSION'))).mtimeMs).toBe(created);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

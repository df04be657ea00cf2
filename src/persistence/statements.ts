import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

interface Prepared {
  name: string;
  text: string;
}

const prepared = new Map<string, Prepared>();

/** The statement's name (from a hash of its text, so one text has one name) and its text with `$n` placeholders. */
function preparedOf(sql: string): Prepared {
  let p = prepared.get(sql);
  if (!p) {
    let n = 0;
    p = { name: `bx_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`, text: sql.replace(/\?/g, () => `$${++n}`) };
    prepared.set(sql, p);
  }
  return p;
}

/**
 * Runs one statement of hand-written SQL (`?` placeholders) and returns its rows: the hot paths'
 * way to the database (authentication, the eligibility facts, placing a bid).
 *
 * Outside a transaction it runs as a named prepared statement on a pooled connection, so
 * PostgreSQL parses, analyses and plans it once per connection rather than on every call.
 * MikroORM's `execute` writes the parameters into the text, which makes every call a statement
 * PostgreSQL has never seen: on placeBid that was about 40 % of the database's CPU
 * (docs/benchmarks.md). Inside a transaction it runs through MikroORM on the transaction's own
 * connection, as every other statement there does. Errors are the driver's either way.
 *
 * The SQL must not contain a literal `?` (PostgreSQL's jsonb `?` operators included): every one
 * is a parameter. It names its columns: a prepared `select t.*` fails on every connection that
 * prepared it once a migration adds a column ("cached plan must not change result type").
 */
export async function runStatement<T>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  if (em.isInTransaction()) return em.execute<T[]>(sql, [...params]);
  const pool = await em.getConnection().getNativeClient();
  const { name, text } = preparedOf(sql);
  const result = await pool.query({ name, text, values: [...params] });
  return result.rows as T[];
}

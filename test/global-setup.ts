import pg from 'pg';
import { Redis } from 'ioredis';
import { createOrm } from '../src/persistence/orm.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/env.js';

/**
 * Once per test run: make sure the test database exists and carries the committed
 * migrations (applied with the real migrator; tests empty the tables themselves), and that Redis answers. Fails fast, with the
 * address, when a service is down.
 */
export default async function setup(): Promise<void> {
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

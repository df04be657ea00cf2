import { Redis } from 'ioredis';
import pg from 'pg';
import type { Config } from '../../src/config.js';

/**
 * Checks that PostgreSQL and Redis answer (creating the demo's database if it is missing), and
 * otherwise says how to start them and exits 1.
 */
export async function checkServices(config: Pick<Config, 'databaseUrl' | 'redisUrl'>, redisToo = true): Promise<void> {
  const problems: string[] = [];
  const db = new URL(config.databaseUrl);
  const admin = new URL(config.databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const name = db.pathname.slice(1);
    if (!(await client.query('select 1 from pg_database where datname = $1', [name])).rowCount)
      await client.query(`create database "${name.replace(/"/g, '')}"`);
  } catch (error) {
    problems.push(`PostgreSQL is not reachable at ${db.host} (DATABASE_URL): ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
  if (redisToo) await checkRedis(config.redisUrl, problems);
  if (problems.length) {
    console.error(problems.join('\n'));
    console.error(
      '\nStart them with:  docker compose up -d postgres redis\n(or set DATABASE_URL / REDIS_URL to running ones, or unset both for the embedded profile), then run the demo again.',
    );
    process.exit(1);
  }
}

async function checkRedis(redisUrl: string, problems: string[]): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    problems.push(`Redis is not reachable at ${new URL(redisUrl).host} (REDIS_URL): ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

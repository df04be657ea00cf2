import { pino } from 'pino';
import { bootstrapOperator } from '../../src/domain/access/organizations.js';
import { ManualClock } from '../../src/domain/shared/clock.js';
import { createOrm, type MikroORM } from '../../src/persistence/orm.js';
import { createApiServer, type ApiServer } from '../../src/server.js';
import { TEST_DATABASE_URL } from './env.js';

/** A running API on an ephemeral port against the test database, with a clock tests can move. */
export interface Harness {
  url: string;
  orm: MikroORM;
  clock: ManualClock;
  api: ApiServer;
  operatorKey: string;
  close(): Promise<void>;
}

const TABLES = ['state_transition', 'bid', 'demand_spike', 'api_key', 'organization'];

export async function truncateAll(orm: MikroORM): Promise<void> {
  await orm.em.getConnection().execute(`truncate ${TABLES.map((t) => `"${t}"`).join(', ')} cascade`);
}

export async function startHarness(): Promise<Harness> {
  const orm = await createOrm(TEST_DATABASE_URL, 20);
  const clock = new ManualClock(new Date());
  const api = await createApiServer({ orm, clock, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), production: false });
  const url = await api.listen(0, '127.0.0.1');
  const h: Harness = {
    url: `${url}/graphql`, orm, clock, api, operatorKey: '',
    async close() {
      await api.close();
      await orm.close();
    },
  };
  return h;
}

/** Empties every table and issues a fresh operator key: each test starts from a known state. */
export async function resetState(h: Harness): Promise<void> {
  await truncateAll(h.orm);
  h.clock.set(new Date());
  const issued = await bootstrapOperator(h.orm.em.fork() as never, h.clock);
  h.operatorKey = issued!.secret;
}

/** Row counts of every table, to prove that a refused request wrote nothing. */
export async function rowCounts(orm: MikroORM): Promise<Record<string, number>> {
  const rows = await orm.em.getConnection().execute<{ t: string; n: string }[]>(
    TABLES.map((t) => `select '${t}' as t, count(*)::text as n from "${t}"`).join(' union all '),
  );
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

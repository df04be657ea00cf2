import { createOrm } from '../src/persistence/orm.js';
const m = (w: string) => console.log(w, (process.resourceUsage().maxRSS / 1024).toFixed(0), (process.memoryUsage.rss() / 1048576).toFixed(0));
m('start');
const orm = await createOrm('pglite:.burst/bench', 4);
m('orm');
await orm.migrator.up();
m('migrated');
const sql = orm.em.getConnection();
const tables = await sql.execute<{ tablename: string }[]>(
  `select tablename from pg_tables where schemaname = 'public' and tablename not in ('mikro_orm_migrations', 'scoring_policy')`,
);
m('listed');
await sql.execute(`truncate ${tables.map((t) => `"${t.tablename}"`).join(', ')} cascade`);
m('truncated');
await sql.execute('analyze');
m('analyze');

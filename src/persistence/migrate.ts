/**
 * Migration CLI: `tsx src/persistence/migrate.ts up` applies the committed migrations;
 * `create` writes a new migration from the difference between the entities and the database
 * (then add it to migrations/index.ts and review the SQL by hand).
 */
import { loadConfigOrExit } from '../config.js';
import { createOrm } from './orm.js';

const command = process.argv[2] ?? 'up';
const config = loadConfigOrExit();
const orm = await createOrm(config.databaseUrl, 2);
try {
  if (command === 'up') {
    const done = await orm.migrator.up();
    console.log(done.length ? `Applied ${done.map((m) => m.name).join(', ')}` : 'Database is up to date');
  } else if (command === 'create') {
    const result = await orm.migrator.create(undefined, false, false, process.argv[3]);
    console.log(result.fileName ? `Wrote ${result.fileName}` : 'No changes');
  } else if (command === 'pending') {
    console.log((await orm.migrator.getPending()).map((m) => m.name).join('\n') || 'None');
  } else {
    console.error(`Unknown command "${command}": use up, create or pending`);
    process.exitCode = 1;
  }
} finally {
  await orm.close();
}

/**
 * Creates the operator organisation if needed and prints a new OPERATOR key, once:
 * `npm run bootstrap:operator`. Store the key; it is not shown again.
 */
import { loadConfigOrExit } from '../config.js';
import { bootstrapOperator } from '../domain/access/organizations.js';
import { systemClock } from '../domain/shared/clock.js';
import { createOrm } from '../persistence/orm.js';

const config = loadConfigOrExit();
const orm = await createOrm(config.databaseUrl, 2);
try {
  // The embedded profile migrates at start; a data folder the API never opened is migrated here.
  if (config.profile === 'embedded') await orm.migrator.up();
  const issued = await bootstrapOperator(orm.em.fork(), systemClock);
  console.log(`Operator API key (shown once, store it now):\n${issued!.secret}`);
} finally {
  await orm.close();
}

import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { reclaimDeadConnections } from './pool-guard.js';

/** ORM options for a database URL. Schema changes only through the committed migrations. */
export function ormOptions(databaseUrl: string, poolMax = 10): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: poolMax },
    // A connection lost inside a transaction must not stay checked out forever (see pool-guard.ts).
    driverOptions: { onPoolCreated: reclaimDeadConnections },
    migrations: {
      migrationsList: migrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      path: 'src/persistence/migrations',
      emit: 'ts',
    },
    debug: false,
    // Entities are plain schemas; no reflection or metadata cache needed.
    discovery: { warnWhenNoEntities: true },
  });
}

export async function createOrm(databaseUrl: string, poolMax = 10): Promise<MikroORM> {
  return MikroORM.init(ormOptions(databaseUrl, poolMax));
}

export type { MikroORM };

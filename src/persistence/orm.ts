import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import { reclaimDeadConnections } from './pool-guard.js';
import { isEmbeddedUrl } from './embedded/embedded-url.js';
import { PgliteDriver } from './embedded/pglite-driver.js';

/**
 * How long a request waits for a connection (a free one from the pool, or a new one) before it
 * fails with a connection error (SERVICE_UNAVAILABLE in the API): a database that does not answer
 * at all, or a pool exhausted under overload, must not hold requests forever.
 */
export const DB_CONNECT_TIMEOUT_MS = 10_000;

/** ORM options for a database URL. Schema changes only through the committed migrations. */
export function ormOptions(databaseUrl: string, poolMax = 10, connectTimeoutMs = DB_CONNECT_TIMEOUT_MS): Options {
  // `pglite:<folder>` or `pglite:memory`: the embedded database in this process (embedded/).
  const embedded = isEmbeddedUrl(databaseUrl);
  return defineConfig({
    clientUrl: databaseUrl,
    // PGlite has its one database: nothing to create.
    ...(embedded ? { driver: PgliteDriver, ensureDatabase: false } : {}),
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: poolMax },
    // A connection lost inside a transaction must not stay checked out forever (see pool-guard.ts).
    driverOptions: embedded ? {} : { onPoolCreated: reclaimDeadConnections, connectionTimeoutMillis: connectTimeoutMs },
    migrations: {
      migrationsList: migrations,
      transactional: true,
      allOrNothing: true,
      // The callers say what they applied (db:migrate prints the list; the embedded profile migrates at every start).
      silent: true,
      snapshot: false,
      path: 'src/persistence/migrations',
      emit: 'ts',
    },
    debug: false,
    // Entities are plain schemas; no reflection or metadata cache needed.
    discovery: { warnWhenNoEntities: true },
  });
}

export async function createOrm(databaseUrl: string, poolMax = 10, connectTimeoutMs = DB_CONNECT_TIMEOUT_MS): Promise<MikroORM> {
  return MikroORM.init(ormOptions(databaseUrl, poolMax, connectTimeoutMs));
}

export type { MikroORM };

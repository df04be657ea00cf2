import { PostgreSqlConnection, PostgreSqlDriver, type Configuration, type Transaction } from '@mikro-orm/postgresql';
import { PostgresDialect, type PostgresPool } from 'kysely';
import type { Pool } from 'pg';
import { openEmbedded } from './embedded-database.js';
import { inTransactionScope, type PglitePool } from './pglite-pool.js';

/**
 * MikroORM's PostgreSQL connection over the embedded database (PGlite): the same driver, platform
 * and SQL, with Kysely's PostgresDialect given the PGlite pool instead of a node-postgres one.
 * Each transaction runs in a scope of its own (pglite-pool.ts), so work it does through other
 * clients of the one connection joins it instead of waiting for it.
 */
class PgliteConnection extends PostgreSqlConnection {
  #pool: PglitePool | null = null;
  #close: (() => Promise<void>) | null = null;
  #connecting: Promise<void> | null = null;

  /** Connects once, however many first requests ask at the same time (MikroORM connects lazily). */
  override connect(options?: Parameters<PostgreSqlConnection['connect']>[0]): Promise<void> {
    this.#connecting ??= super.connect(options);
    return this.#connecting;
  }

  override createKyselyDialect(): PostgresDialect {
    return new PostgresDialect({
      pool: async () => {
        const embedded = await openEmbedded(this.config.get('clientUrl')!);
        this.#pool = embedded.pool;
        this.#close = embedded.close;
        return embedded.pool as unknown as PostgresPool;
      },
    });
  }

  /** The PGlite pool, which answers what runStatement asks of a node-postgres pool. */
  override async getNativeClient(): Promise<Pool> {
    if (!this.#pool) await this.execute('select 1');
    return this.#pool as unknown as Pool;
  }

  override transactional<T>(cb: (trx: Transaction) => Promise<T>, options?: Parameters<PostgreSqlConnection['transactional']>[1]): Promise<T> {
    return inTransactionScope(() => super.transactional<T>(cb, options));
  }

  override async close(force?: boolean): Promise<void> {
    await super.close(force);
    await this.#close?.();
    this.#close = null;
    this.#connecting = null;
  }
}

export class PgliteDriver extends PostgreSqlDriver {
  constructor(config: Configuration) {
    super(config);
    (this as unknown as { connection: PostgreSqlConnection }).connection = new PgliteConnection(config);
  }
}

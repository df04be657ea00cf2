import type { Pool, PoolClient } from 'pg';

/**
 * Gives back to the pool the connections that died while checked out and that nobody will ever
 * release.
 *
 * When PostgreSQL drops a connection inside a transaction, MikroORM's COMMIT (or the statement)
 * fails, its ROLLBACK fails too, and Kysely's controlled transaction releases its connection only
 * after a *successful* commit or rollback (kysely-org/kysely#1990). pg-pool then counts that dead
 * connection as checked out forever: every such transaction shrinks the pool by one for good, so
 * after DB_POOL_MAX of them (one database restart under load) every request waits forever, and so
 * does `pool.end()` at shutdown.
 *
 * So: when a checked-out client's connection ends and its holder has not released it within
 * `graceMs` (ordinary holders release at once, when their query fails), it is released with an
 * error, which makes pg-pool discard it and open a fresh one on demand. A later release by the
 * stale holder is made a no-op instead of pg-pool's "released twice" error.
 */
export function reclaimDeadConnections(pool: Pool, graceMs = 1_000): void {
  const checkedOut = new Set<PoolClient>();
  pool.on('acquire', (client) => {
    checkedOut.add(client);
  });
  pool.on('release', (_err, client) => {
    checkedOut.delete(client);
  });
  pool.on('remove', (client) => {
    checkedOut.delete(client);
  });
  pool.on('connect', (client) => {
    client.once('end', () => {
      setTimeout(() => {
        if (!checkedOut.has(client)) return;
        const release = client.release.bind(client);
        client.release = () => {};
        release(new Error('PostgreSQL connection lost while checked out; discarded'));
      }, graceMs).unref();
    });
  });
}

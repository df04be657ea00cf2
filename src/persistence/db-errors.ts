/** Network errors of a socket to PostgreSQL. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that cannot serve right now: class 08 (connection exception),
 * admin_shutdown, crash_shutdown, cannot_connect_now (starting up or in recovery),
 * too_many_connections.
 */
const SERVER_CODES = /^(08[0-9A-Z]{3}|57P01|57P02|57P03|53300)$/;

/** What `pg` and `pg-pool` say when a connection is lost, cannot be made in time, or is unusable. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

/**
 * Whether an error means PostgreSQL could not be reached or dropped the connection, rather than a
 * bug or a refused statement. Such a request did not complete (a write in flight was rolled back,
 * or committed just before the connection dropped), so it can be retried as is: mutations with
 * the same idempotency key. Looks through wrappers (`cause`, GraphQL's `originalError`) to the
 * driver's error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = next(e), depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.test(code))) return true;
    if (typeof message === 'string' && DRIVER_MESSAGES.test(message)) return true;
  }
  return false;
}

function next(e: object): unknown {
  return (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
}

/**
 * Whether PostgreSQL refused a statement for the named constraint (a check, unique key, or a
 * trigger that raises with `constraint = <name>`), looking through wrappers to the driver's error.
 */
export function violatesConstraint(error: unknown, constraint: string): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = next(e), depth++) {
    if ((e as { constraint?: unknown }).constraint === constraint) return true;
  }
  return false;
}

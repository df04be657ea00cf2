/**
 * Sockets per client address that have been upgraded but not yet admitted: waiting for their
 * `connection_init` (up to graphql-ws's 5 s) or for its key to be checked. Without a bound,
 * anyone without a key could hold any number of sockets, each for 5 s, for the price of an HTTP
 * upgrade. Counted in this process's memory: a socket lives on one replica, so the count is
 * exact per replica, and the bound over all replicas is this times the replicas an address can
 * reach. Each taken place is given back exactly once, when the connection is admitted or refused,
 * or when its socket closes, whichever comes first.
 */
export interface PendingConnections {
  /** A place for one more pending socket of `address` (a function that gives it back), or null when it already has `limit`. */
  take(address: string): (() => void) | null;
  /** Pending sockets of `address` now (for tests and metrics). */
  count(address: string): number;
}

export function createPendingConnections(limit: number): PendingConnections {
  const pending = new Map<string, number>();
  return {
    take(address) {
      const now = pending.get(address) ?? 0;
      if (now >= limit) return null;
      pending.set(address, now + 1);
      let given = false;
      return () => {
        if (given) return;
        given = true;
        const left = (pending.get(address) ?? 1) - 1;
        if (left > 0) pending.set(address, left);
        else pending.delete(address);
      };
    },
    count: (address) => pending.get(address) ?? 0,
  };
}

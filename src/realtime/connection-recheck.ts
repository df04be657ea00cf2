import type { Principal } from '../domain/access/principal.js';
import type { Logger } from '../logger.js';

/** How often open graphql-ws connections are checked again (SUBSCRIPTION_RECHECK_MS's default). */
export const DEFAULT_RECHECK_MS = 5_000;

export interface ConnectionRecheckDeps {
  intervalMs: number;
  logger: Logger;
  /** Which of these principals may still act (key not revoked; console session not ended or expired), in one read. */
  stillActive(principals: readonly Principal[]): Promise<boolean[]>;
  /** The admitted connections now open, each with its principal. */
  open(): Iterable<[connection: object, principal: Principal]>;
  /** Closes a connection whose principal may no longer act (4401). */
  end(connection: object): void;
}

export interface ConnectionRecheck {
  /** Checks every open connection now (after a sign-out on this replica); resolves when done. */
  now(): Promise<void>;
  stop(): void;
}

/**
 * Ends open subscriptions whose authority has gone: a console session signed out or expired, or a
 * key revoked (on any replica: the check reads PostgreSQL, the one place that knows). Every
 * `intervalMs`, all this replica's open connections are checked in one query, and those that may
 * no longer act are closed with 4401, so an idle socket does not outlive its session until its
 * next event. Checks never overlap; a failed check (database down) is logged and tried again at
 * the next tick, never closing anyone.
 */
export function startConnectionRecheck(deps: ConnectionRecheckDeps): ConnectionRecheck {
  let running: Promise<void> | null = null;
  const check = async () => {
    const entries = [...deps.open()];
    if (entries.length === 0) return;
    const active = await deps.stillActive(entries.map(([, p]) => p));
    entries.forEach(([connection], i) => {
      if (!active[i]) deps.end(connection);
    });
  };
  const now = (): Promise<void> => {
    running ??= check()
      .catch((error: unknown) => deps.logger.warn({ err: (error as Error).message }, 'subscription recheck failed; tried again at the next tick'))
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void now(), deps.intervalMs);
  timer.unref();
  return { now, stop: () => clearInterval(timer) };
}

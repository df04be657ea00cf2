/** A graphql-ws client as an integrating vendor would write one: the `graphql-ws` client over `ws`. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Received {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** How a subscription ended: completed by the server, or an error (a socket close carries its code). */
export type Ended = { kind: 'complete' } | { kind: 'error'; code?: number; reason?: string; message?: string; errors?: Received['errors'] };

export interface Subscribed {
  received: Received[];
  ended: Promise<Ended>;
  /** How it ended, if it has. */
  endedNow(): Ended | null;
  /** Resolves with the first result (already received or still to come) that matches, or rejects after `ms`. */
  waitFor(predicate: (r: Received) => boolean, ms?: number): Promise<Received>;
  /** The first thing that happens: a result, or the end. */
  first(ms?: number): Promise<Received | Ended>;
  dispose(): Promise<void>;
}

/** A client on its own socket, authenticating with `key` (none: no connectionParams). */
export function wsClient(url: string, key?: string): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: key === undefined ? {} : { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazyCloseTimeout: 0,
  });
}

/** Subscribes on a fresh client and records everything that comes back; dispose() closes the client. */
export function subscribe(url: string, key: string | undefined, query: string, variables: Record<string, unknown> = {}): Subscribed {
  const client = wsClient(url, key);
  return { ...subscribeOn(client, query, variables), dispose: () => client.dispose() as Promise<void> };
}

/** One more subscription on an existing client (its connection); dispose() completes only this one. */
export function subscribeOn(client: Client, query: string, variables: Record<string, unknown> = {}): Subscribed {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  // A waiter that is satisfied deletes itself; deleting the current element while iterating a Set is safe.
  const notify = () => {
    for (const w of waiters) w();
  };
  let endedValue: Ended | null = null;
  let unsubscribe = () => {};
  const ended = new Promise<Ended>((resolve) => {
    const finish = (e: Ended) => {
      endedValue = e;
      resolve(e);
      notify();
    };
    unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (r) => {
          received.push(r as Received);
          notify();
        },
        complete: () => finish({ kind: 'complete' }),
        error: (err) => {
          if (Array.isArray(err)) return finish({ kind: 'error', errors: err });
          const e = err as { code?: number; reason?: string; message?: string };
          finish({
            kind: 'error',
            ...(typeof e.code === 'number' ? { code: e.code } : {}),
            ...(e.reason ? { reason: e.reason } : {}),
            ...(e.message ? { message: e.message } : {}),
          });
        },
      },
    );
  });
  const until = <T>(check: () => T | undefined, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return false;
        waiters.delete(attempt);
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        reject(new Error(`${what} within ${ms} ms; received ${JSON.stringify(received)}, ended ${JSON.stringify(endedValue)}`));
      }, ms);
      if (!attempt()) waiters.add(attempt);
    });
  return {
    received,
    ended,
    endedNow: () => endedValue,
    waitFor: (predicate, ms = 10_000) => until(() => received.find(predicate), ms, 'No matching result'),
    first: (ms = 10_000) => until<Received | Ended>(() => received[0] ?? endedValue ?? undefined, ms, 'Nothing happened'),
    dispose: async () => unsubscribe(),
  };
}

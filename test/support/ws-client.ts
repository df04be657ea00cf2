/** A graphql-ws client as an integrating vendor would write one: the `graphql-ws` client over `ws`. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket, { type ClientOptions } from 'ws';

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

/** A bare graphql-transport-ws socket, for what a library client would never send; `closed` resolves with the server's close. */
export interface RawSocket {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  /** Every message received, parsed. */
  messages: Record<string, any>[];
  /** Resolves with the first received message that matches (already received or still to come), or the close if it comes first. */
  until(predicate: (m: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any> | { code: number; reason: string }>;
  /** Sends connection_init with `key` (none: no payload) and waits for the ack or the close. */
  init(key?: string): Promise<'acked' | { code: number; reason: string }>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
}

/** Opens a raw socket; `options` as ws's (e.g. `localAddress: '127.0.0.2'` to come from another loopback address). */
export async function rawSocket(url: string, options: ClientOptions = {}): Promise<RawSocket> {
  const ws = new WebSocket(url, 'graphql-transport-ws', options);
  const messages: Record<string, any>[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, any>);
    for (const l of listeners) l();
  });
  // A client-side error (the server's close racing a send) is not what these tests look at.
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
  });
  const until: RawSocket['until'] = (predicate, ms = 10_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.find(predicate);
        if (!found) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no matching message within ${ms} ms; received ${JSON.stringify(messages).slice(0, 500)}`));
      }, ms);
      listeners.add(check);
      void closed.then((c) => {
        listeners.delete(check);
        clearTimeout(timer);
        resolve(messages.find(predicate) ?? c);
      });
      check();
    });
  return {
    ws,
    closed,
    messages,
    until,
    async init(key) {
      ws.send(JSON.stringify({ type: 'connection_init', ...(key === undefined ? {} : { payload: { authorization: `Bearer ${key}` } }) }));
      const outcome = await until((m) => m.type === 'connection_ack');
      return 'type' in outcome ? 'acked' : (outcome as { code: number; reason: string });
    },
    subscribe(id, query, variables = {}) {
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    },
  };
}

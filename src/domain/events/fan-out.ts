import type { EntityManager } from '@mikro-orm/postgresql';
import { activeApiKeyIds } from '../access/api-keys.js';
import type { Principal } from '../access/principal.js';
import { AccessError } from '../shared/result.js';

/**
 * The work an API process does for one published event, shared by all its subscriptions, so
 * that what an event costs depends on who may see it, not on how many sockets listen:
 *
 * - **Keys**: every subscription checks that its key still works, but the checks asked for one
 *   event in the same turn of the event loop are one read (`activeApiKeyIds`, up to 1,000 ids).
 * - **Resources**: the resource is loaded once per event and *visibility class*: principals
 *   that differ only in their key (the same organisation and role) see the same thing, so forty
 *   subscriptions of one vendor cost one read, not forty.
 * - **Concurrency**: those reads take at most `concurrency` database connections at once, the
 *   rest of the pool stays free for requests.
 * - **CPU**: after its reads, each subscription waits for its `turn()`: at most `perTurn`
 *   subscriptions format and send their message per turn of the event loop, so a burst for
 *   thousands of subscribers is spread over many turns and other requests run in between.
 *
 * What was read is remembered for the last `recentEvents` events (a subscriber that lags further
 * reads again). Each subscriber's own queue of pending events is bounded by the event bus.
 */
export interface FanOut {
  /** Whether the key still works as `eventId` is delivered (one read per event for all keys asking together). */
  keyIsActive(eventId: string, apiKeyId: string): Promise<boolean>;
  /**
   * The event's resource as `viewer` may see it, loaded once per event and visibility class;
   * null when the viewer may not see it (an AccessError from `load` counts as null).
   */
  resource<R>(eventId: string, viewer: Principal, load: (em: EntityManager) => Promise<R | null>): Promise<R | null>;
  /** Resolves when this subscriber may do its CPU work (format and send): at most `perTurn` per event-loop turn. */
  turn(): Promise<void>;
}

export interface FanOutOptions {
  /** A fresh EntityManager per read, so that nothing is kept between events. */
  fork(): EntityManager;
  /** Database reads of fan-out at once, over all events and subscriptions (default 2). */
  concurrency?: number;
  /** Subscribers that may format and send per turn of the event loop (default 50). */
  perTurn?: number;
  /** Events whose reads are remembered (default 64). */
  recentEvents?: number;
  /** Told of every database read fan-out makes (metrics). */
  onRead?(kind: 'api_keys' | 'resource'): void;
}

/** Keys per read; a bigger batch is split. */
const KEYS_PER_READ = 1_000;

interface EventWork {
  keys: Map<string, Promise<boolean>>;
  /** Keys asked for since the last read, answered together at the next turn of the event loop. */
  waiting: { apiKeyId: string; resolve(active: boolean): void; reject(error: unknown): void }[];
  resources: Map<string, Promise<unknown>>;
}

export function createFanOut(options: FanOutOptions): FanOut {
  const limit = createLimit(options.concurrency ?? 2);
  const turn = createTurns(options.perTurn ?? 50);
  const recentEvents = options.recentEvents ?? 64;
  const recent = new Map<string, EventWork>();

  const workOf = (eventId: string): EventWork => {
    let work = recent.get(eventId);
    if (!work) {
      work = { keys: new Map(), waiting: [], resources: new Map() };
      recent.set(eventId, work);
      // Maps iterate in insertion order: the first key is the oldest event.
      if (recent.size > recentEvents) recent.delete(recent.keys().next().value!);
    }
    return work;
  };

  const readKeys = async (work: EventWork) => {
    const batch = work.waiting.splice(0);
    for (let i = 0; i < batch.length; i += KEYS_PER_READ) {
      const part = batch.slice(i, i + KEYS_PER_READ);
      try {
        const active = await limit(() => {
          options.onRead?.('api_keys');
          return activeApiKeyIds(
            options.fork(),
            part.map((w) => w.apiKeyId),
          );
        });
        for (const w of part) w.resolve(active.has(w.apiKeyId));
      } catch (error) {
        for (const w of part) w.reject(error);
      }
    }
  };

  return {
    keyIsActive(eventId, apiKeyId) {
      const work = workOf(eventId);
      const known = work.keys.get(apiKeyId);
      if (known) return known;
      const answer = new Promise<boolean>((resolve, reject) => {
        if (work.waiting.length === 0) setImmediate(() => void readKeys(work));
        work.waiting.push({ apiKeyId, resolve, reject });
      });
      work.keys.set(apiKeyId, answer);
      return answer;
    },
    resource<R>(eventId: string, viewer: Principal, load: (em: EntityManager) => Promise<R | null>) {
      const work = workOf(eventId);
      const key = visibilityClass(viewer);
      let loaded = work.resources.get(key) as Promise<R | null> | undefined;
      if (!loaded) {
        loaded = limit(async () => {
          options.onRead?.('resource');
          try {
            return await load(options.fork());
          } catch (error) {
            if (error instanceof AccessError) return null;
            throw error;
          }
        });
        // Kept even when it fails: the subscribers of this event share one failure, not one read each.
        work.resources.set(key, loaded);
      }
      return loaded;
    },
    turn,
  };
}

/**
 * Everything about a principal except its key: what the visibility rules read. Generic on
 * purpose, so that a field added to Principal splits the classes rather than merging them.
 */
function visibilityClass(p: Principal): string {
  return JSON.stringify(
    Object.entries(p)
      .filter(([name]) => name !== 'apiKeyId')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** Runs at most `n` of the given tasks at once, the others in order of arrival. */
function createLimit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    running -= 1;
    queue.shift()?.();
  };
  return (task) =>
    new Promise((resolve, reject) => {
      const start = () => {
        running += 1;
        task().then(resolve, reject).finally(next);
      };
      if (running < n) start();
      else queue.push(start);
    });
}

/** Grants at most `perTurn` turns per turn of the event loop; the rest wait for the next ones, in order. */
function createTurns(perTurn: number): () => Promise<void> {
  let left = perTurn;
  let scheduled = false;
  const waiting: (() => void)[] = [];
  const refill = () => {
    scheduled = false;
    left = perTurn;
    const granted = waiting.splice(0, perTurn);
    left -= granted.length;
    for (const go of granted) go();
    schedule();
  };
  const schedule = () => {
    if (scheduled || (left === perTurn && waiting.length === 0)) return;
    scheduled = true;
    setImmediate(refill);
  };
  return () => {
    if (left > 0 && waiting.length === 0) {
      left -= 1;
      schedule();
      return Promise.resolve();
    }
    const wait = new Promise<void>((resolve) => waiting.push(resolve));
    schedule();
    return wait;
  };
}

/**
 * What makes the demo's API a full one (issue 16, item 7): domain events from the workers'
 * relay for subscriptions, per-key rate limits with their headers, the operator's queue board
 * and GraphiQL; and, with --keep-running, where each of them is.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import { distDir } from '../../src/http/console-static.js';
import type { RateLimiter } from '../../src/http/rate-limit.js';
import type { Platform } from '../../src/platform/platform.js';
import type { EventSubscriber } from '../../src/realtime/event-bus.js';
import { bold, padEnd } from './output.js';

export interface LiveServices {
  events: EventSubscriber;
  rateLimiter?: RateLimiter;
  close(): Promise<void>;
}

/** The platform's event subscriber on the demo's prefix and, unless RATE_LIMIT_POINTS=0, its rate limiter under `<prefix>:rl`. */
export async function liveServices(platform: Platform, config: Config, prefix: string): Promise<LiveServices> {
  const events = platform.events();
  await events.ready;
  const rateLimiter = config.rateLimit ? platform.rateLimiter({ prefix: `${prefix}:rl`, ...config.rateLimit }) : undefined;
  // The Redis profile's buckets are removed at the end; the other profiles' go with their process or are throwaway rows.
  const redis = config.rateLimit && platform.profile === 'redis' ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 }) : null;
  redis?.on('error', () => {});
  return {
    events,
    ...(rateLimiter ? { rateLimiter } : {}),
    async close() {
      await events.close();
      if (redis) {
        // The demo's buckets go with it (SCAN, never KEYS: the Redis may be shared).
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:rl:*`, 'COUNT', 500).catch(() => ['0', [] as string[]] as const);
          if (keys.length) await redis.del(...keys).catch(() => {});
          cursor = next;
        } while (cursor !== '0');
        redis.disconnect();
      }
    },
  };
}

/** The lines --keep-running prints: every place to point a client or a browser at, and the keys. */
export function whereThingsAre(
  base: string,
  metricsUrl: string | null,
  prefix: string,
  config: Config,
  platform: string,
  keys: readonly { who: string; key: string }[],
): string[] {
  const ws = base.replace(/^http/, 'ws');
  const built = (name: string) => (existsSync(join(distDir(name), 'index.html')) ? '' : `   (not built: npm run ${name}:build)`);
  const rows: [string, string][] = [
    ['GraphQL', `${base}/graphql   (POST, Authorization: Bearer <key>)`],
    ['Subscriptions', `${ws}/graphql   (graphql-ws, connectionParams.authorization)`],
    ['GraphiQL', `${base}/graphiql/${built('graphiql')}`],
    ['Web console', `${base}/console/${built('console')}`],
    ['Queue board', `${base}/admin/queues   (operator key as the Basic password: curl -u :<key>)`],
    ['Metrics', metricsUrl ?? `${base}/metrics`],
    ['CSV exports', `${base}/exports/routing-plan/<spikeId>.csv, /exports/awards/<spikeId>.csv, /exports/invoices/<id>.csv, /exports/statement.csv`],
    [
      'Rate limits',
      config.rateLimit
        ? `${config.rateLimit.points} points per key per ${config.rateLimit.windowMs / 1000} s (X-RateLimit-* headers)`
        : 'off (RATE_LIMIT_POINTS=0)',
    ],
    ['Queues', `${platform}, prefix "${prefix}"`],
  ];
  return [
    `\n${bold('The API stays up')} (Ctrl-C or SIGTERM to stop):`,
    ...rows.map(([what, where]) => `   ${padEnd(what, 15)}${where}`),
    '\nKeys from this run:',
    ...keys.map((k) => `   ${padEnd(k.who, 24)}${k.key}`),
  ];
}

import { Counter, Histogram, type Registry } from 'prom-client';

/** Seconds; from a cheap health probe to a large finance query. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The API process's own metrics (the default process metrics live in the same registry). */
export interface ApiMetrics {
  registry: Registry;
  /** Every HTTP request, by method, route (a fixed set, see routeLabel) and status. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Every GraphQL operation, by root field (a name the schema defines, see rootFieldLabel) and type. */
  graphqlDuration: Histogram<'root_field' | 'operation_type'>;
  /**
   * GraphQL failures by code: `kind="error"` for errors in the response (`extensions.code`),
   * `kind="user_error"` for UserError members returned by mutations (their `code`).
   */
  graphqlErrors: Counter<'code' | 'kind' | 'root_field'>;
  /** Database reads made to fan events out to subscriptions: key checks and resource loads (domain/events/fan-out.ts). */
  fanOutReads: Counter<'read'>;
  /** Messages pushed to subscriptions: sent, or replaced by MESSAGE_TOO_LARGE. */
  subscriptionMessages: Counter<'outcome'>;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  return {
    registry,
    httpDuration: new Histogram({
      name: 'bx_http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    graphqlDuration: new Histogram({
      name: 'bx_graphql_operation_duration_seconds',
      help: 'GraphQL operation latency by root field and operation type.',
      labelNames: ['root_field', 'operation_type'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    graphqlErrors: new Counter({
      name: 'bx_graphql_errors_total',
      help: 'GraphQL errors (kind=error) and returned UserErrors (kind=user_error) by code and root field.',
      labelNames: ['code', 'kind', 'root_field'],
      registers: [registry],
    }),
    fanOutReads: new Counter({
      name: 'bx_subscription_fanout_reads_total',
      help: 'Database reads made to fan published events out to subscriptions (read=api_keys or resource).',
      labelNames: ['read'],
      registers: [registry],
    }),
    subscriptionMessages: new Counter({
      name: 'bx_subscription_messages_total',
      help: 'Messages pushed to graphql-ws subscriptions (outcome=sent, or too_large: replaced by MESSAGE_TOO_LARGE).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/**
 * The `route` label: one of the mounted paths, never the raw URL, so that probing random paths
 * cannot create time series. Everything under a mount (the queue board's assets) is the mount.
 */
export function routeLabel(path: string, mounts: readonly string[]): string {
  for (const mount of mounts) {
    if (path === mount || path.startsWith(`${mount}/`)) return mount;
  }
  return '(unmatched)';
}

import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QualityScores } from '../src/domain/quality/quality-scores.js';
import { getSchema } from '../src/graphql/schema.js';
import { createLogger } from '../src/logger.js';
import { createApiServer, type ApiServer } from '../src/server.js';
import { anOrganization, aSpikeInput } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import { parseMetrics, scrape, valueOf } from './support/metrics.js';
import { CREATE_ORG, OPEN_SPIKES, POST_SPIKE, PUBLISH } from './support/operations.js';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await startHarness();
  base = h.url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
});

/** The real logger configuration (redaction included), writing into an array. */
function capturedLogs() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', 'api', sink) };
}

const NAMED_CREATE_ORG = CREATE_ORG.replace(/^mutation/, 'mutation CreateOrg');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('GET /metrics', () => {
  it('exposes HTTP latency by method, route and status, GraphQL latency by operation, and process metrics', async () => {
    const before = await scrape(`${base}/metrics`);
    const graphqlLabels = { root_field: 'me', operation_type: 'query' };
    const httpLabels = { method: 'POST', route: '/graphql', status: '200' };
    ok(await gql(h.url, 'query WhoAmI { me { role } }', {}, h.operatorKey));
    await fetch(`${base}/no/such/path`);

    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const after = parseMetrics(text);
    expect(
      valueOf(after, 'bx_graphql_operation_duration_seconds_count', graphqlLabels) -
        valueOf(before, 'bx_graphql_operation_duration_seconds_count', graphqlLabels),
    ).toBe(1);
    expect(valueOf(after, 'bx_http_request_duration_seconds_count', httpLabels) - valueOf(before, 'bx_http_request_duration_seconds_count', httpLabels)).toBe(
      1,
    );
    expect(valueOf(after, 'bx_http_request_duration_seconds_count', { method: 'GET', route: '(unmatched)', status: '404' })).toBeGreaterThanOrEqual(1);
    // Raw paths never become label values: probing random URLs cannot create series.
    expect(text).not.toContain('/no/such/path');
    expect(after.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(after.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('counts GraphQL errors by extensions.code and returned UserErrors by code', async () => {
    const brand = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND', name: 'Acme' });
    const forbidden = { code: 'FORBIDDEN', kind: 'error', root_field: 'createOrganization' };
    const conflict = { code: 'CONFLICT', kind: 'user_error', root_field: 'createOrganization' };
    const unauthenticated = { code: 'UNAUTHENTICATED', kind: 'error', root_field: '(none)' };
    const invalid = { code: 'GRAPHQL_VALIDATION_FAILED', kind: 'error', root_field: '(none)' };
    const before = await scrape(`${base}/metrics`);

    expect(errorCode(await gql(h.url, NAMED_CREATE_ORG, { input: { name: 'Sneaky', kind: 'BRAND' } }, brand.key))).toBe('FORBIDDEN');
    const duplicate = ok(await gql(h.url, NAMED_CREATE_ORG, { input: { name: 'acme', kind: 'BRAND' } }, h.operatorKey)).createOrganization;
    expect(duplicate).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    expect(errorCode(await gql(h.url, '{ me { role } }', {}, `bx_nokey000_${'A'.repeat(43)}`))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(h.url, '{ noSuchField }', {}, h.operatorKey))).toBe('GRAPHQL_VALIDATION_FAILED');

    const after = await scrape(`${base}/metrics`);
    const delta = (labels: Record<string, string>) => valueOf(after, 'bx_graphql_errors_total', labels) - valueOf(before, 'bx_graphql_errors_total', labels);
    expect({ forbidden: delta(forbidden), conflict: delta(conflict), unauthenticated: delta(unauthenticated), invalid: delta(invalid) }).toEqual({
      forbidden: 1,
      conflict: 1,
      unauthenticated: 1,
      invalid: 1,
    });
  });

  it('labels operations by root field, a name the schema defines: no client can add label values or crowd out another tenant’s', async () => {
    const brand = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
    const other = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
    const before = await scrape(`${base}/metrics`);
    // One tenant (and an anonymous caller) sends 250 distinct operation names: more than any fixed budget of names.
    for (let i = 0; i < 250; i++) await gql(h.url, `query Flood${i}x { me { role } }`, {}, i % 2 ? brand.key : undefined);
    await gql(h.url, 'query Theirs { me { role } }', {}, other.key);
    await gql(h.url, 'query Several { me { role } organization(id: "0190a000-0000-7000-8000-000000000000") { id } }', {}, other.key);
    ok(await gql(h.url, 'query Meta { __typename }', {}, other.key));
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).not.toMatch(/Flood\d+x|Theirs|Several|Meta/);
    const after = parseMetrics(text);
    const count = (labels: Record<string, string>) =>
      valueOf(after, 'bx_graphql_operation_duration_seconds_count', labels) - valueOf(before, 'bx_graphql_operation_duration_seconds_count', labels);
    // The other tenant's operation is counted under its root field like everyone's.
    expect(count({ root_field: 'me', operation_type: 'query' })).toBe(251);
    expect(count({ root_field: '(several)', operation_type: 'query' })).toBe(1);
    expect(count({ root_field: '(introspection)', operation_type: 'query' })).toBe(1);
    // Every label value is a root field of the schema or one of the four fixed ones.
    const schema = await getSchema();
    const rootFields = new Set(
      [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => Object.keys(t?.getFields() ?? {})),
    );
    const values = new Set(after.filter((s) => s.name.startsWith('bx_graphql_')).map((s) => s.labels.root_field!));
    for (const value of values) expect(rootFields.has(value) || ['(none)', '(several)', '(introspection)'].includes(value), value).toBe(true);
  });

  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'scrape-token-0123456789';
    const api = await createApiServer({
      webhooks: { secrets: h.secrets, urlPolicy: { allowHttp: true, allowPrivateNetworks: true } },
      orm: h.orm,
      clock: h.clock,
      logger: createLogger('silent', 'api'),
      production: false,
      metricsToken: token,
    });
    const url = await api.listen(0, '127.0.0.1');
    try {
      const none = await fetch(`${url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect(
        valueOf(await scrape(`${url}/metrics`, { authorization: `Bearer ${token}` }), 'bx_http_request_duration_seconds_count', {
          route: '/metrics',
          status: '401',
        }),
      ).toBe(2);
    } finally {
      await api.close();
    }
  });
});

describe('/metrics on a port of its own (METRICS_PORT)', () => {
  it('serves /metrics only there, with the token when one is set; the API port does not know the path', async () => {
    const token = 'scrape-token-0123456789';
    const api = await createApiServer({
      webhooks: { secrets: h.secrets, urlPolicy: { allowHttp: true, allowPrivateNetworks: true } },
      orm: h.orm,
      clock: h.clock,
      logger: createLogger('silent', 'api'),
      production: true,
      metricsToken: token,
      metricsPort: 0,
    });
    const url = await api.listen(0, '127.0.0.1');
    try {
      const metricsUrl = api.metricsUrl()!;
      expect(new URL(metricsUrl).port).not.toBe(new URL(url).port);
      const onApiPort = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(onApiPort.status).toBe(404);
      expect(await onApiPort.json()).toEqual({ errors: [{ message: 'No route GET /metrics', extensions: { code: 'NOT_FOUND' } }] });
      expect((await fetch(metricsUrl)).status).toBe(401);
      // The API's own traffic, the refused scrape on its port included, is what the metrics port shows.
      await eventually(async () =>
        valueOf(await scrape(metricsUrl, { authorization: `Bearer ${token}` }), 'bx_http_request_duration_seconds_count', {
          route: '/metrics',
          status: '404',
        }) === 1
          ? true
          : null,
      );
    } finally {
      await api.close();
    }
  });
});

describe('request ids and access logs', () => {
  it('gives every request an x-request-id, keeping a sensible incoming one', async () => {
    const idOf = async (path: string, id?: string, init: RequestInit = {}) =>
      (
        await fetch(`${base}${path}`, {
          ...init,
          headers: { ...(id === undefined ? {} : { 'x-request-id': id }), ...(init.headers as Record<string, string>) },
        })
      ).headers.get('x-request-id');
    const graphql = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) };

    expect(await idOf('/healthz', 'lb-7f3a-01')).toBe('lb-7f3a-01');
    expect(await idOf('/graphql', 'lb-7f3a-02', graphql)).toBe('lb-7f3a-02');
    expect(await idOf('/no/such/path', 'lb-7f3a-03')).toBe('lb-7f3a-03');
    expect(await idOf('/healthz', 'x'.repeat(100))).toBe('x'.repeat(100));
    expect(await idOf('/healthz', 'x'.repeat(101))).toMatch(UUID);
    expect(await idOf('/healthz', 'has a space')).toMatch(UUID);
    const [a, b] = [await idOf('/metrics'), await idOf('/graphql', undefined, graphql)];
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it('writes one access log line per request, with its request id; keys never appear', async () => {
    const { lines, logger } = capturedLogs();
    const api: ApiServer = await createApiServer({
      webhooks: { secrets: h.secrets, urlPolicy: { allowHttp: true, allowPrivateNetworks: true } },
      orm: h.orm,
      clock: h.clock,
      logger,
      production: false,
    });
    const url = `${await api.listen(0, '127.0.0.1')}/graphql`;
    try {
      const brand = await anOrganization(url, h.operatorKey, { kind: 'BRAND' });
      const spike = ok(await gql(url, POST_SPIKE, { input: aSpikeInput(h.clock) }, brand.key)).postDemandSpike;
      const published = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${brand.key}`, 'x-request-id': 'publish-0001' },
        body: JSON.stringify({ query: PUBLISH, variables: { id: spike.id } }),
      });
      expect(((await published.json()) as { data: { publishDemandSpike: { status: string } } }).data.publishDemandSpike.status).toBe('OPEN');
      const linesOf = (id: string) => lines.filter((l) => l.requestId === id);
      const access = await eventually(async () => linesOf('publish-0001').find((l) => l.msg === 'request'));
      expect(access).toMatchObject({ method: 'POST', path: '/graphql', status: 200, name: 'api' });
      expect(access.durationMs).toEqual(expect.any(Number));
      expect(access.apiKeyId).toEqual(expect.any(String));
      // The resolver only calls the use case, which writes the clearing's outbox event: nothing is
      // enqueued from the request, so nothing about a queue is logged with it (issue 13).
      expect(linesOf('publish-0001').map((l) => l.msg)).toEqual(['request']);
      // Three requests onboard the brand, then the post and the publish: one line each.
      await eventually(async () => (lines.filter((l) => l.msg === 'request').length >= 5 ? true : null));
      expect(lines.filter((l) => l.msg === 'request')).toHaveLength(5);
      const logged = JSON.stringify(lines);
      for (const key of [h.operatorKey, brand.key, brand.financeKey]) expect(logged).not.toContain(key.slice('bx_12345678_'.length));
    } finally {
      await api.close();
    }
  });

  it('logs an unexpected resolver error with the request id, and tells the client nothing more', async () => {
    const { lines, logger } = capturedLogs();
    const failing: QualityScores = { standingsOf: () => Promise.reject(new Error('quality store at 10.0.0.7 refused the connection')) };
    const api = await createApiServer({
      webhooks: { secrets: h.secrets, urlPolicy: { allowHttp: true, allowPrivateNetworks: true } },
      orm: h.orm,
      clock: h.clock,
      logger,
      production: false,
      scores: failing,
    });
    const url = `${await api.listen(0, '127.0.0.1')}/graphql`;
    try {
      const vendor = await anOrganization(url, h.operatorKey, { kind: 'VENDOR', vendorType: 'OUTSOURCER' });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${vendor.key}`, 'x-request-id': 'oops-0001' },
        body: JSON.stringify({ query: OPEN_SPIKES }),
      });
      const body = await res.text();
      expect(JSON.parse(body).errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(body).not.toContain('10.0.0.7');
      const logged = await eventually(async () => lines.find((l) => l.msg === 'unexpected error'));
      expect(logged.requestId).toBe('oops-0001');
      expect(JSON.stringify(logged.err)).toContain('quality store at 10.0.0.7 refused the connection');
    } finally {
      await api.close();
    }
  });

  it('answers a malformed JSON body with a JSON 400, never an HTML stack trace', async () => {
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(body)).not.toMatch(/at .*node_modules/);
    const missing = await fetch(`${base}/no/such/path`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ errors: [{ message: 'No route GET /no/such/path', extensions: { code: 'NOT_FOUND' } }] });
  });
});

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QualityScores } from '../src/domain/quality/quality-scores.js';
import { aMarket } from './support/builders.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { CREATE_ORG, OPEN_SPIKES } from './support/operations.js';
import { raw } from './support/raw-http.js';

/**
 * What production tells a client (docs/security.md): no introspection without a key, no name suggestions, and
 * errors that never carry internals; development, on the same database, for comparison.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
});

describe('production configuration', () => {
  let prod: Harness;
  const lines: string[] = [];
  // Standings that fail the way a broken query does: a real PostgreSQL error, SQL and all.
  const brokenScores: QualityScores = { standingsOf: (em) => em.execute('select secret_column from no_such_table where id = 1') as never };
  beforeAll(async () => {
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    prod = await startHarness({ production: true, logger, scores: brokenScores });
  });
  afterAll(async () => {
    await prod.close();
  });

  it('refuses introspection without a key, which development serves; a key is served (issue 16, test/introspection.test.ts)', async () => {
    await resetState(prod);
    const send = (url: string, query: string, key?: string) => raw(url, JSON.stringify({ query }), key ? { authorization: `Bearer ${key}` } : {});
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Query") { fields { name } } }']) {
      const r = await send(prod.url, query);
      expect(r.status).toBe(400);
      expect(r.body.data).toBeUndefined();
      expect(r.body.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED' });
      expect((await send(prod.url, query, prod.operatorKey)).status).toBe(200);
      // The same database, the development server: served without a key too.
      expect((await send(h.url, query)).status).toBe(200);
    }
  });

  it('does not suggest field names, which development does', async () => {
    await resetState(prod);
    const misspelt = (url: string) => raw(url, JSON.stringify({ query: '{ mee { role } }' }), { authorization: `Bearer ${prod.operatorKey}` });
    const r = await misspelt(prod.url);
    expect(r.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors[0].message).not.toMatch(/Did you mean/);
    expect((await misspelt(h.url)).body.errors[0].message).toMatch(/Did you mean "me"/);
  });

  it('does not suggest names when variables do not coerce either (a bad enum value, an unknown input field), which development does', async () => {
    await resetState(prod);
    const badEnum = ['query($s: SpikeStatus) { demandSpikes(status: $s) { nodes { id } } }', { s: 'OPN' }] as const;
    const unknownField = [CREATE_ORG, { input: { name: 'Typo', kind: 'BRAND', nmae: 'x' } }] as const;
    for (const [query, variables] of [badEnum, unknownField]) {
      const answer = async (url: string) =>
        (await raw(url, JSON.stringify({ query, variables }), { authorization: `Bearer ${prod.operatorKey}` })).body.errors[0];
      const inProduction = await answer(prod.url);
      expect(inProduction.extensions.code).toBe('BAD_USER_INPUT');
      expect(inProduction.message).not.toMatch(/Did you mean/);
      expect(inProduction.message).toMatch(/^Variable "\$\w+" got invalid value/);
      expect((await answer(h.url)).message).toMatch(/Did you mean/);
    }
  });

  it('answers an unexpected failure with a generic INTERNAL_SERVER_ERROR: no SQL, no stack, no paths; the log has it', async () => {
    await resetState(prod);
    const market = await aMarket(prod.url, prod.operatorKey);
    lines.length = 0;
    const r = await raw(prod.url, JSON.stringify({ query: OPEN_SPIKES }), { authorization: `Bearer ${market.vendorA.key}` });
    expect(r.status).toBe(200);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors[0]).toMatchObject({ message: 'Internal server error', path: ['openDemandSpikes'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(Object.keys(r.body.errors[0].extensions)).toEqual(['code']);
    expect(r.text).not.toMatch(/select|no_such_table|secret_column|relation|\.ts:|\.js:|node_modules|stacktrace/i);
    expect(lines.join('\n')).toMatch(/no_such_table/);
  });
});

describe('client mistakes Apollo leaves without a code', () => {
  let logged: Harness;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _e, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    );
    logged = await startHarness({ logger });
  });
  afterAll(async () => {
    await logged.close();
  });

  it('answers a persisted query whose hash does not match, or of an unknown version, with 400 BAD_REQUEST, logged as a warning without a stack', async () => {
    await resetState(logged);
    lines.length = 0;
    const persisted = (extensions: Record<string, unknown>) =>
      raw(logged.url, JSON.stringify({ query: '{ me { role } }', extensions }), { authorization: `Bearer ${logged.operatorKey}` });
    const mismatch = await persisted({ persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } });
    const version = await persisted({ persistedQuery: { version: 2, sha256Hash: 'a'.repeat(64) } });
    for (const r of [mismatch, version]) {
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }]);
    }
    expect(mismatch.body.errors[0].message).toBe('provided sha does not match query');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'client error'],
      [40, 'client error'],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/stack|\.ts:\d|node_modules/);
  });
});

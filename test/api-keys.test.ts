import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QualityScores } from '../src/domain/quality/quality-scores.js';
import { createLogger } from '../src/logger.js';
import { aMarket, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { ISSUE_KEY, ME, OPEN_SPIKES, REVOKE_KEY, ROTATE_INGEST_SECRET } from './support/operations.js';

/**
 * API keys in use (their storage as a SHA-256 is tested in access.test.ts): a secret never
 * reaches the logs, not even at debug or in the error log of a failing request, and a
 * revocation holds on the very next request on every API replica, since no replica caches keys.
 */
let h: Harness;
let m: Market;
const lines: string[] = [];
// Quality standings that fail like a broken query, so requests produce error logs.
const brokenScores: QualityScores = { standingsOf: (em) => em.execute('select * from no_such_table') as never };
beforeAll(async () => {
  // The application's own logger (with its redaction), at debug, into memory.
  const logger = createLogger(
    'debug',
    'api',
    new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  h = await startHarness({ logger, scores: brokenScores });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

/** A POST with any body and headers, as a careless or hostile client sends it. */
const send = (body: string, headers: Record<string, string>) =>
  fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.status);

describe('API key secrets', () => {
  it('never appear in the logs, at debug level, whether requests succeed or fail', async () => {
    lines.length = 0;
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const secrets: string[] = [h.operatorKey, m.brand.key, m.vendorA.key];

    expect(ok(await gql(h.url, ME, {}, m.brand.key)).me.role).toBe('BRAND');
    const issued = ok(await gql(h.url, ISSUE_KEY, { input: { organizationId: m.brand.id, role: 'FINANCE', label: 'logged?' } }, m.brand.key)).issueApiKey;
    secrets.push(issued.secret);
    secrets.push(ok(await gql(h.url, ROTATE_INGEST_SECRET, {}, m.brand.key)).rotateQualityIngestSecret.secret);
    // Failing requests: an internal error (logged with its error), a key with the right prefix
    // and the wrong secret, a revoked key, a body that is not JSON, a refused cross-site post.
    expect(errorCode(await gql(h.url, OPEN_SPIKES, {}, m.vendorA.key))).toBe('INTERNAL_SERVER_ERROR');
    expect(errorCode(await gql(h.url, ME, {}, `${m.vendorA.key.slice(0, 12)}${'Z'.repeat(43)}`))).toBe('UNAUTHENTICATED');
    ok(await gql(h.url, REVOKE_KEY, { id: issued.apiKey.id }, m.brand.key));
    expect(errorCode(await gql(h.url, ME, {}, issued.secret))).toBe('UNAUTHENTICATED');
    expect(await send('{"query": ', bearer(m.brand.key))).toBe(400);
    expect(await send(JSON.stringify({ query: ME }), { ...bearer(m.brand.key), 'content-type': 'text/plain' })).toBe(400);
    // A client that puts its key where it does not belong: in the variables of a failing request.
    expect(errorCode(await gql(h.url, OPEN_SPIKES, { leaked: m.vendorA.key }, m.vendorA.key))).toBe('INTERNAL_SERVER_ERROR');

    const logged = lines.join('');
    // The error log is there (so this test reads what the API logs), but no secret in it.
    expect(logged).toMatch(/"msg":"unexpected error"/);
    expect(logged).toMatch(/no_such_table/);
    for (const secret of secrets) {
      expect(logged).not.toContain(secret);
      // Nor the secret part alone (after `bx_<prefix>_`).
      expect(logged).not.toContain(secret.slice(12, 40));
    }
  });
});

describe('revocation', () => {
  let replica: Harness;
  beforeAll(async () => {
    replica = await startHarness();
  });
  afterAll(async () => {
    await replica.close();
  });

  it('holds on the next request on every API replica', async () => {
    const issued = ok(
      await gql(h.url, ISSUE_KEY, { input: { organizationId: m.vendorA.id, role: 'VENDOR', label: 'two replicas' } }, h.operatorKey),
    ).issueApiKey;
    expect(ok(await gql(h.url, ME, {}, issued.secret)).me.role).toBe('VENDOR');
    expect(ok(await gql(replica.url, ME, {}, issued.secret)).me.role).toBe('VENDOR');
    ok(await gql(replica.url, REVOKE_KEY, { id: issued.apiKey.id }, m.vendorA.key));
    for (const url of [h.url, replica.url]) {
      const r = await gql(url, ME, {}, issued.secret);
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { postIngest, signedHeaders } from './support/ingest.js';
import * as op from './support/operations.js';
import { aSandbox, type SandboxWorld } from './support/sandbox.js';

/**
 * Review of issue 16: signed quality ingestion has a budget per organisation, and a sandbox's
 * operator view creates organisations in its sandbox at will, each brand with a budget of its
 * own. A sandbox's brands now pay from one ingestion budget of the sandbox, as its keys do for
 * the API (test/sandbox-budgets.test.ts); live brands keep their own.
 */
let h: Harness;
let m: Market;
let s: SandboxWorld;
beforeAll(async () => {
  // Refills about 1 point a minute: one brand's spending shows in the other's remaining budget.
  h = await startHarness({ rateLimit: { points: 100_000, ingestPoints: 1_000, windowMs: 60 * 86_400_000 } });
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  s = await aSandbox(h.url, m.brand.key);
}, 60_000);
afterAll(async () => h?.close());

/** A signed batch that is not a batch: refused 400, and charged 1 point to its signer. */
async function junk(secret: string, organizationId: string): Promise<number> {
  const body = JSON.stringify({ nothing: true });
  const r = await postIngest(h.url, body, signedHeaders(secret, organizationId, body, new Date()));
  expect(r.status).toBe(400);
  return Number(r.headers.get('x-ratelimit-remaining'));
}
const secretOf = async (key: string) => ok(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, key)).rotateQualityIngestSecret.secret as string;

describe('signed ingestion by a sandbox’s brands', () => {
  it('a second brand made in the sandbox pays from the same budget as its first; a live brand from its own', async () => {
    const second = ok(await gql(h.url, op.CREATE_ORG, { input: { name: 'Second brand', kind: 'BRAND' } }, s.operator.key)).createOrganization;
    expect(second.__typename).toBe('Organization');
    const secondKey = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: second.id, role: 'BRAND', label: 'b2' } }, s.operator.key)).issueApiKey
      .secret as string;
    const [first, other, live] = [await secretOf(s.brand.key), await secretOf(secondKey), await secretOf(m.brand.key)];
    const liveBefore = await junk(live, m.brand.id);
    const a = await junk(first, s.brand.id);
    const b = await junk(other, second.id);
    const c = await junk(first, s.brand.id);
    expect([a - b, b - c]).toEqual([1, 1]);
    expect(liveBefore - (await junk(live, m.brand.id))).toBe(1);
  });
});

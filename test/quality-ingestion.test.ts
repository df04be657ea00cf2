import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aMarket, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { qualityQueueIdleOf, qualityScenarios } from './support/quality-scenarios.js';

/** Quality events in: GraphQL batches and signed HTTP ingestion. */
let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness({ workers: true });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  // A score recomputation the previous test asked for (due within 250 ms) must not run into this
  // test's fresh tables: it made the row counts and the policy reset fail now and then.
  await qualityQueueIdle();
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

/** Until no score recomputation is waiting or running. */
const qualityQueueIdle = () => qualityQueueIdleOf(h);
let seq = 0;
const { csat, qa, audit, written, record, deliveredByAandB } = qualityScenarios(
  () => ({ h, m }),
  () => ++seq,
);

describe('ingestion', () => {
  it('accepts valid events, rejects invalid ones individually, and recognises resubmissions', async () => {
    const { contractA, contractB } = await deliveredByAandB();
    const onA = { contractId: contractA };
    const batch = [
      csat(m.vendorA.id, 4, onA),
      csat(m.vendorA.id, 6, onA),
      { externalId: `e-${++seq}`, kind: 'FCR', vendorId: m.vendorA.id, resolved: true, ...onA },
      { externalId: `e-${++seq}`, kind: 'FCR', vendorId: m.vendorA.id, ...onA },
      csat(m.vendorC.id, 3, onA), // no contract between the brand and C
      csat(m.brand.id, 3, onA), // not a vendor (and the brand itself)
      {
        externalId: `e-${++seq}`,
        kind: 'ESCALATION',
        vendorId: m.vendorB.id,
        contractId: contractB,
        occurredAt: new Date(h.clock.now().getTime() + 3_600_000).toISOString(),
      },
      { externalId: `e-${++seq}`, kind: 'AUDIT', vendorId: m.vendorB.id },
      csat(m.vendorA.id, 4), // a rating names its contract
    ];
    batch.push({ ...batch[0]!, score: 2 } as never); // same external id again, in the same batch
    const r = await record(batch);
    expect(r).toMatchObject({ __typename: 'QualityEventBatchReceipt', accepted: 2, duplicates: 0, rejected: 8 });
    expect(r.receipts.map((x: any) => x.rejection?.code ?? x.status)).toEqual([
      'ACCEPTED',
      'INVALID_VALUE',
      'ACCEPTED',
      'INVALID_VALUE',
      'CONTRACT_MISMATCH',
      'SELF_RATING',
      'INVALID_TIME',
      'INVALID_VALUE',
      'CONTRACT_REQUIRED',
      'DUPLICATE_IN_BATCH',
    ]);
    expect(r.receipts[1].rejection).toMatchObject({ field: 'events[1].score', message: 'A CSAT score is 1 to 5' });

    const before = await written();
    const again = await record([batch[0], batch[2]]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 2, rejected: 0 });
    expect(again.receipts[0].eventId).toBe(r.receipts[0].eventId);
    const reused = await record([{ ...batch[0]!, score: 1 }]);
    expect(reused.receipts[0].rejection.code).toBe('EXTERNAL_ID_REUSED');
    expect(await written()).toEqual(before);
  });

  it('lets the operator rate on any contract, and refuses vendor and finance keys', async () => {
    const { contractA } = await deliveredByAandB();
    expect((await record([csat(m.vendorA.id, 5, { contractId: contractA })], h.operatorKey)).accepted).toBe(1);
    expect((await record([csat(m.vendorC.id, 5)], h.operatorKey)).receipts[0].rejection.code).toBe('CONTRACT_REQUIRED');
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: [csat(m.vendorC.id, 5)] } }, m.vendorA.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: [csat(m.vendorC.id, 5)] } }, m.brand.financeKey))).toBe('FORBIDDEN');
  });

  it('refuses an empty or oversized batch as a whole, writing nothing', async () => {
    const before = await written();
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: [] } }, h.operatorKey))).toBe('BAD_USER_INPUT');
    const tooMany = Array.from({ length: 5_001 }, () => csat(m.vendorC.id, 5));
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: tooMany } }, h.operatorKey))).toBe('BAD_USER_INPUT');
    expect(await written()).toEqual(before);
  });
});

describe('signed HTTP ingestion', () => {
  const ingestUrl = () => h.url.replace(/\/graphql$/, '/ingest/quality');
  const post = (body: string, headers: Record<string, string>) =>
    fetch(ingestUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signed = (secret: string, orgId: string, body: string, at = h.clock.now()) => {
    const ts = String(Math.floor(at.getTime() / 1000));
    return {
      'x-burst-organization': orgId,
      'x-burst-timestamp': ts,
      'x-burst-signature': `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
    };
  };

  it('accepts a signed batch and refuses bad signatures, stale timestamps and replays, writing nothing', async () => {
    const { contractA, contractB } = await deliveredByAandB();
    const { secret } = ok(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, m.brand.key)).rotateQualityIngestSecret;
    const body = JSON.stringify({
      events: [
        csat(m.vendorA.id, 5, { contractId: contractA }),
        csat(m.vendorA.id, 9, { contractId: contractA }),
        { ...qa(m.vendorB.id, 80), contractId: contractB, occurredAt: h.clock.now().toISOString() },
      ],
    });
    const headers = signed(secret, m.brand.id, body);

    const before = await written();
    const tampered = await post(body.replace('"score":5', '"score":4'), headers);
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Missing or invalid signature' } });
    expect((await post(body, { ...headers, 'x-burst-signature': 'v1=' + '0'.repeat(64) })).status).toBe(401);
    expect((await post(body, {})).status).toBe(401);
    const stale = await post(body, signed(secret, m.brand.id, body, new Date(h.clock.now().getTime() - 10 * 60_000)));
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as any).error.code).toBe('STALE_TIMESTAMP');
    expect(await written()).toEqual(before);

    const res = await post(body, headers);
    expect(res.status).toBe(200);
    const receipt = (await res.json()) as any;
    expect(receipt).toMatchObject({ accepted: 2, duplicates: 0, rejected: 1 });
    expect(receipt.receipts[1].rejection).toMatchObject({ code: 'INVALID_VALUE', field: 'events[1].score' });

    const replay = await post(body, headers);
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as any).error.code).toBe('REPLAYED');

    // Rotating replaces the secret at once.
    ok(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, m.brand.key));
    const later = new Date(h.clock.now().getTime() + 1000);
    expect((await post(body, signed(secret, m.brand.id, body, later))).status).toBe(401);
  });

  it('answers a malformed body with 400 and nothing written', async () => {
    const { secret } = ok(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, h.operatorKey)).rotateQualityIngestSecret;
    const me = ok(await gql(h.url, op.ME, {}, h.operatorKey)).me.organization.id;
    const before = await written();
    // The last one carries a NUL, which PostgreSQL cannot store: refused, not a 500.
    const nul = JSON.stringify({ events: [{ ...csat(m.vendorC.id, 5), externalId: 'a\u0000b' }] });
    for (const body of ['not json', '{"events":"nope"}', '{"events":[]}', nul]) {
      const res = await post(body, signed(secret, me, body));
      expect(res.status).toBe(400);
      if (body === nul)
        expect(((await res.json()) as any).error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^events\[0\]\.externalId: /) });
    }
    expect((await written()).quality_event).toBe(before.quality_event);
    const ok200 = JSON.stringify({ events: [7, audit(m.vendorC.id, 'PASS', h.clock.now())] });
    const res = await post(ok200, signed(secret, me, ok200));
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 1, receipts: [{ rejection: { code: 'INVALID_FIELD' } }, { status: 'ACCEPTED' }] });
  });
});

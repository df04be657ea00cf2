import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

/**
 * One way to record a transition (PRODUCT.md section 2: time and actor): a bid placed by
 * placeBid's single statement of SQL and withdrawn through the unit of work leaves rows alike.
 */
let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

describe('state transitions', () => {
  it('record time and actor alike, whether written in SQL (placeBid) or through the unit of work (withdrawBid)', async () => {
    const keyId = ok(await gql(h.url, op.ME, {}, m.vendorA.key)).me.apiKey.id;
    const bid = await aBid(h.url, m.vendorA.key, await anOpenSpike(h.url, h.clock, m.brand.key));
    const placedAt = h.clock.now();
    h.clock.advance(60_000);
    ok(await gql(h.url, op.WITHDRAW_BID, { id: bid.id }, m.vendorA.key));
    const rows = await h.orm.em
      .fork()
      .getConnection()
      .execute<{ at: string }[]>(
        `select entity_type, from_status, to_status, actor_organization_id, actor_api_key_id, at from state_transition where entity_id = ? order by at`,
        [bid.id],
      );
    const actor = { entity_type: 'Bid', actor_organization_id: m.vendorA.id, actor_api_key_id: keyId };
    expect(rows).toEqual([
      { ...actor, from_status: null, to_status: 'ACTIVE', at: expect.any(String) },
      { ...actor, from_status: 'ACTIVE', to_status: 'WITHDRAWN', at: expect.any(String) },
    ]);
    expect(rows.map((r) => new Date(r.at).getTime())).toEqual([placedAt.getTime(), placedAt.getTime() + 60_000]);
  });
});

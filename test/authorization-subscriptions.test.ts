import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import type { EventType } from '../src/domain/events/event-types.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { DEFAULT_POLICY, settleContract } from '../src/domain/settlement/settle-contract.js';
import { getSchema } from '../src/graphql/schema.js';
import { aBid, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { eventually, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { ACTORS, anAuthorizationWorld, keyOf as keyIn, type Actor, type World } from './support/authorization-world.js';
import { subscribe, type Ended, type Received } from './support/ws-client.js';

let w: World;
let h: Harness;
let m: Market;
beforeAll(async () => {
  w = await anAuthorizationWorld();
  ({ h, m } = w);
});
afterAll(async () => {
  await h.close();
});
const keyOf = (actor: Actor) => keyIn(w, actor);

/**
 * Subscriptions. Each row triggers the event under test (`target`), then a `sentinel` event of
 * the same type that every actor allowed to subscribe but not entitled to the target does
 * receive. Streams are ordered, so an actor whose first relevant event is the sentinel never
 * got the target: SILENT is proven, not guessed from a timeout.
 */
type SubscriptionOutcome = 'RECEIVES' | 'SILENT' | 'UNAUTHENTICATED' | 'FORBIDDEN';
interface SubscriptionRow {
  query: string;
  type: EventType;
  trigger: () => Promise<{ target: string; sentinel: string }>;
  idOf: (data: Record<string, any>) => string;
  expected: Record<Actor, SubscriptionOutcome>;
}

const subscriptions = (o: SubscriptionOutcome, overrides: Partial<Record<Actor, SubscriptionOutcome>> = {}) =>
  Object.fromEntries(ACTORS.map((a) => [a, a === 'anonymous' ? 'UNAUTHENTICATED' : (overrides[a] ?? o)])) as Record<Actor, SubscriptionOutcome>;

/** A spike of `brandKey` with one bid of `vendorKey`, closed and cleared; returns the bid and contract ids. */
async function aClearedBid(brandKey: string, vendorKey: string): Promise<{ bidId: string; contractId: string }> {
  const spikeId = await anOpenSpike(h.url, h.clock, brandKey);
  const bidId = (await aBid(h.url, vendorKey, spikeId)).id as string;
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, brandKey));
  const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
  if (awarded.kind !== 'AWARDED') throw new Error('did not clear');
  return { bidId, contractId: awarded.contractIds[0]! };
}

const subscriptionMatrix: Record<string, SubscriptionRow> = {
  demandSpikePosted: {
    query: op.SPIKE_POSTED,
    type: 'demand_spike.posted',
    trigger: async () => ({
      target: await anOpenSpike(h.url, h.clock, m.brand.key, { requiredSkills: ['fr-FR'] }),
      sentinel: await anOpenSpike(h.url, h.clock, m.brand.key),
    }),
    idOf: (d) => d.demandSpikePosted.spike.id,
    expected: subscriptions('FORBIDDEN', { operator: 'RECEIVES', vendor: 'RECEIVES', otherVendor: 'SILENT' }),
  },
  bidOutcome: {
    query: op.BID_OUTCOMES,
    type: 'bid.outcome',
    trigger: async () => ({ target: (await aClearedBid(m.brand.key, m.vendorA.key)).bidId, sentinel: (await aClearedBid(m.brand.key, m.vendorB.key)).bidId }),
    idOf: (d) => d.bidOutcome.outcome.bidId,
    expected: subscriptions('FORBIDDEN', { vendor: 'RECEIVES', otherVendor: 'SILENT' }),
  },
  contractSettled: {
    query: op.CONTRACT_SETTLED,
    type: 'contract.settled',
    trigger: async () => {
      const settled = async (brandKey: string, vendorKey: string) => {
        const { contractId } = await aClearedBid(brandKey, vendorKey);
        await settleContract(h.orm.em.fork() as never, h.clock, contractId, DEFAULT_POLICY, { force: true });
        return contractId;
      };
      return { target: await settled(m.brand.key, m.vendorA.key), sentinel: await settled(m.otherBrand.key, m.vendorB.key) };
    },
    idOf: (d) => d.contractSettled.contract.id,
    expected: subscriptions('RECEIVES', { otherBrand: 'SILENT', otherBrandFinance: 'SILENT', otherVendor: 'SILENT', auditor: 'FORBIDDEN' }),
  },
};

function subscriptionOutcome(
  first: Received | Ended,
  relevant: Received | null,
  ids: { target: string; sentinel: string },
  idOf: SubscriptionRow['idOf'],
): string {
  if ('kind' in first) return first.kind === 'error' && first.code === 4401 ? 'UNAUTHENTICATED' : `ENDED:${JSON.stringify(first)}`;
  if (first.errors?.length) return first.errors[0]!.extensions?.code ?? 'NO_CODE';
  const id = relevant?.data ? idOf(relevant.data) : null;
  return id === ids.target ? 'RECEIVES' : id === ids.sentinel ? 'SILENT' : 'NOTHING';
}

describe('authorisation matrix', () => {
  it('has a row for every subscription in the schema', async () => {
    const schema = await getSchema();
    const subscriptionFields = Object.keys(schema.getSubscriptionType()?.getFields() ?? {});
    expect(subscriptionFields.filter((o) => !(o in subscriptionMatrix))).toEqual([]);
  });

  for (const [name, row] of Object.entries(subscriptionMatrix)) {
    it(`subscription ${name}: every role receives, stays silent or is refused exactly as expected`, async () => {
      const subs = ACTORS.map((actor) => subscribe(h.wsUrl, keyOf(actor), row.query));
      try {
        // Wait until every subscription is either refused or listening, then cause the events.
        const refused = () => subs.filter((s) => s.received.some((r) => r.errors?.length) || s.endedNow() !== null).length;
        await eventually(async () => (refused() + h.events.listenerCount(row.type) === ACTORS.length ? true : null), 10_000);
        const ids = await row.trigger();
        const actual: Record<string, string> = {};
        await Promise.all(
          ACTORS.map(async (actor, i) => {
            const s = subs[i]!;
            const first = await s.first().catch(() => ({ kind: 'complete' as const }));
            const relevant =
              'kind' in first || first.errors?.length
                ? null
                : await s.waitFor((r) => !!r.data && [ids.target, ids.sentinel].includes(row.idOf(r.data)), 10_000).catch(() => null);
            actual[actor] = subscriptionOutcome(first, relevant, ids, row.idOf);
          }),
        );
        expect(actual).toEqual(row.expected);
      } finally {
        await Promise.all(subs.map((s) => s.dispose()));
      }
    });
  }
});

import { GraphQLError } from 'graphql';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { BidOutcomeType } from '../clearing/clearing.types.js';
import { loadersOf } from '../common/loaders.js';
import type { Context } from '../context.js';
import { DemandSpikeType } from '../demand/demand.types.js';
import { BidType } from './bidding.types.js';

/** The spike and the outcome behind a bid, batched per request, so `myBids` needs no follow-up queries. */
@Resolver(() => BidType)
export class BidFields {
  @FieldResolver(() => DemandSpikeType, { description: 'The spike bid on (a vendor always sees the spike of its own bid).' })
  async spike(@Root() bid: BidType, @Ctx() ctx: Context): Promise<DemandSpikeType> {
    const spike = await loadersOf(ctx).spike.load(bid.spikeId);
    if (!spike) throw new GraphQLError(`No demand spike ${bid.spikeId}`, { extensions: { code: 'NOT_FOUND' } });
    return DemandSpikeType.from(spike);
  }

  @FieldResolver(() => BidOutcomeType, {
    nullable: true,
    description: 'Your bid’s outcome, as `bidOutcome(bidId)` shows it (VENDOR keys, your own bids); null until cleared, and for other keys.',
  })
  async outcome(@Root() bid: BidType, @Ctx() ctx: Context): Promise<BidOutcomeType | null> {
    const outcome = await loadersOf(ctx).ownBidOutcome.load(bid.id);
    return outcome ? BidOutcomeType.from(outcome) : null;
  }
}

import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { clearingAwards, clearingBidOutcomes } from '../../domain/clearing/clearing-queries.js';
import type { Context } from '../context.js';
import { Connection, PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { AwardType, BidOutcomeType, ClearingResultType } from './clearing.types.js';

export const AwardLineConnection = Connection(AwardType, 'AwardLine', 'award line');
export const BidOutcomeConnection = Connection(BidOutcomeType, 'BidOutcome', 'bid outcome');

/**
 * A clearing's lists, which grow with the spike's bids (one outcome per bid, one award line per
 * bid and interval): pages, read only when asked for. A ClearingResult is reached only through
 * `clearingResult(spikeId)`, which has checked the caller, so each list is one query per request.
 */
@Resolver(() => ClearingResultType)
export class ClearingResultFields {
  @FieldResolver(() => AwardLineConnection, { description: 'Award lines, in interval then bid order.' })
  async awards(@Root() result: ClearingResultType, @Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs) {
    return toConnection(await clearingAwards(ctx.em, result.spikeId, pageRequest(page)), AwardType.from, page);
  }

  @FieldResolver(() => BidOutcomeConnection, { description: 'Every bid, eligible or not, with its reason, in bid id order.' })
  async bids(@Root() result: ClearingResultType, @Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs) {
    return toConnection(await clearingBidOutcomes(ctx.em, result.spikeId, pageRequest(page)), BidOutcomeType.from, page, (o) => o.bidId);
  }
}

import { Arg, Args, Ctx, Int, Mutation, Query, Resolver, createUnionType } from 'type-graphql';
import { getBid, listBidsForSpike, listMyBids } from '../../domain/bidding/bid-queries.js';
import { reviseBid } from '../../domain/bidding/revise-bid.js';
import { withdrawBid } from '../../domain/bidding/withdraw-bid.js';
import { placeBid } from '../../domain/bidding/place-bid.js';
import type { Result } from '../../domain/shared/result.js';
import type { Bid } from '../../persistence/entities/bidding.js';
import type { Context } from '../context.js';
import { PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';
import {
  AboveReserveError,
  BiddingClosedError,
  ConflictError,
  DuplicateBidError,
  InvalidStateError,
  NotEligibleError,
  ValidationError,
  toUserError,
} from '../common/user-errors.js';
import { BidConnection, BidStatus, BidType, PlaceBidInput, ReviseBidInput } from './bidding.types.js';

const PlaceBidResult = createUnionType({
  name: 'PlaceBidResult',
  description: 'The bid, or why it was refused (nothing is written when refused).',
  types: () => [BidType, ValidationError, ConflictError, BiddingClosedError, NotEligibleError, AboveReserveError, DuplicateBidError] as const,
});

const ReviseBidResult = createUnionType({
  name: 'ReviseBidResult',
  description: 'The revised bid, or why the revision was refused.',
  types: () => [BidType, ValidationError, ConflictError, BiddingClosedError, NotEligibleError, AboveReserveError, InvalidStateError] as const,
});

const WithdrawBidResult = createUnionType({
  name: 'WithdrawBidResult',
  description: 'The withdrawn bid, or why it could not be withdrawn.',
  types: () => [BidType, ConflictError, BiddingClosedError, InvalidStateError] as const,
});

function bidResult(r: Result<Bid>) {
  return r.ok ? BidType.from(r.value) : toUserError(r.failure);
}

@Resolver()
export class BiddingResolver {
  @Mutation(() => PlaceBidResult, { description: 'Places a sealed bid on an OPEN spike (VENDOR keys). Same idempotency key and payload return the same bid.' })
  async placeBid(
    @Ctx() ctx: Context,
    @Arg('input', () => PlaceBidInput, { description: 'The bid.' }) input: PlaceBidInput,
    @Arg('idempotencyKey', () => String, { description: 'Client key, 1–200 characters, unique per bid you mean to make.' }) idempotencyKey: string,
  ): Promise<typeof PlaceBidResult> {
    if (idempotencyKey.length < 1 || idempotencyKey.length > 200) {
      return toUserError({ kind: 'VALIDATION', message: 'idempotencyKey is 1 to 200 characters', field: 'idempotencyKey' });
    }
    return bidResult(
      await placeBid(ctx.em, ctx.clock, ctx.scores, ctx.principal, {
        spikeId: input.spikeId,
        idempotencyKey,
        rateMinor: input.rate.amountMinor,
        currency: input.rate.currency,
        offered: input.offered.map((o) => ({ index: o.index, seats: o.seats })),
        minSeatsPerInterval: input.minSeatsPerInterval ?? null,
        minTotalSeatHours: input.minTotalSeatHours ?? null,
        note: input.note ?? null,
      }),
    );
  }

  @Mutation(() => ReviseBidResult, { description: 'Revises your ACTIVE bid before close, given the version you read.' })
  async reviseBid(
    @Ctx() ctx: Context,
    @Arg('input', () => ReviseBidInput, { description: 'The changes.' }) input: ReviseBidInput,
  ): Promise<typeof ReviseBidResult> {
    return bidResult(
      await reviseBid(ctx.em, ctx.clock, ctx.scores, ctx.principal, {
        bidId: input.bidId,
        expectedVersion: input.expectedVersion,
        rateMinor: input.rate?.amountMinor ?? null,
        currency: input.rate?.currency ?? null,
        offered: input.offered?.map((o) => ({ index: o.index, seats: o.seats })) ?? null,
        minSeatsPerInterval: input.minSeatsPerInterval ?? null,
        minTotalSeatHours: input.minTotalSeatHours ?? null,
        note: input.note ?? null,
        clearMinimums: input.clearMinimums,
      }),
    );
  }

  @Mutation(() => WithdrawBidResult, { description: 'Withdraws your ACTIVE bid while the spike is open.' })
  async withdrawBid(
    @Ctx() ctx: Context,
    @Arg('bidId', () => UuidScalar, { description: 'The bid.' }) bidId: string,
    @Arg('expectedVersion', () => Int, { nullable: true, description: 'If given, a stale version is a CONFLICT.' }) expectedVersion?: number | null,
  ): Promise<typeof WithdrawBidResult> {
    return bidResult(await withdrawBid(ctx.em, ctx.clock, ctx.principal, { bidId, expectedVersion }));
  }

  @Query(() => BidType, { description: 'A bid: for its vendor; for the spike’s brand and the operator once bidding is over.' })
  async bid(@Ctx() ctx: Context, @Arg('id', () => UuidScalar, { description: 'Bid id.' }) id: string): Promise<BidType> {
    return BidType.from(await getBid(ctx.em, ctx.clock, ctx.principal, id));
  }

  @Query(() => BidConnection, { description: 'Your own bids (VENDOR keys), oldest first.' })
  async myBids(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('spikeId', () => UuidScalar, { nullable: true, description: 'Only bids on this spike.' }) spikeId?: string | null,
    @Arg('status', () => BidStatus, { nullable: true, description: 'Only bids in this status.' }) status?: BidStatus | null,
  ) {
    return toConnection(await listMyBids(ctx.em, ctx.principal, { spikeId, status }, pageRequest(page)), BidType.from, page);
  }

  @Query(() => BidConnection, { description: 'All bids on a spike, for its brand and the operator, only once bidding is over (FORBIDDEN before).' })
  async bidsForSpike(
    @Ctx() ctx: Context,
    @Arg('spikeId', () => UuidScalar, { description: 'The spike.' }) spikeId: string,
    @Args(() => PageArgs) page: PageArgs,
  ) {
    return toConnection(await listBidsForSpike(ctx.em, ctx.clock, ctx.principal, spikeId, pageRequest(page)), BidType.from, page);
  }
}

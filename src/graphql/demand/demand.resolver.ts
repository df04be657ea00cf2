import { Arg, Args, Ctx, Mutation, Query, Resolver, createUnionType } from 'type-graphql';
import { listOpenDemandSpikes } from '../../domain/demand/list-open-spikes.js';
import { getDemandSpike, listDemandSpikes } from '../../domain/demand/spike-queries.js';
import { cancelDemandSpike } from '../../domain/demand/cancel-demand-spike.js';
import { changeBiddingClose } from '../../domain/demand/change-bidding-close.js';
import { closeBidding } from '../../domain/demand/close-bidding.js';
import { postDemandSpike } from '../../domain/demand/post-demand-spike.js';
import { publishDemandSpike } from '../../domain/demand/publish-demand-spike.js';
import type { Result } from '../../domain/shared/result.js';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import type { Context } from '../context.js';
import { PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';
import { ConflictError, InvalidStateError, ValidationError, toUserError } from '../common/user-errors.js';
import { DemandSpikeConnection, DemandSpikeType, PostDemandSpikeInput, SpikeStatus } from './demand.types.js';

const PostDemandSpikeResult = createUnionType({
  name: 'PostDemandSpikeResult',
  description: 'The new DRAFT spike, or why it was refused.',
  types: () => [DemandSpikeType, ValidationError, ConflictError] as const,
});

const SpikeTransitionResult = createUnionType({
  name: 'SpikeTransitionResult',
  description: 'The spike after the change, or why the change was refused.',
  types: () => [DemandSpikeType, InvalidStateError, ValidationError] as const,
});

function spikeResult(r: Result<DemandSpike>) {
  return r.ok ? DemandSpikeType.from(r.value) : toUserError(r.failure);
}

@Resolver()
export class DemandResolver {
  @Mutation(() => PostDemandSpikeResult, { description: 'Posts a demand spike as a DRAFT (BRAND keys). Retry-safe with an idempotency key.' })
  async postDemandSpike(
    @Ctx() ctx: Context,
    @Arg('input', () => PostDemandSpikeInput, { description: 'The spike.' }) input: PostDemandSpikeInput,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: 'Client key making retries safe: same key and payload return the same spike; same key, other payload is a CONFLICT.',
    })
    idempotencyKey?: string | null,
  ): Promise<typeof PostDemandSpikeResult> {
    if (idempotencyKey != null && (idempotencyKey.length < 1 || idempotencyKey.length > 200)) {
      return toUserError({ kind: 'VALIDATION', message: 'idempotencyKey is 1 to 200 characters', field: 'idempotencyKey' });
    }
    const { reserveRate, ...rest } = input;
    return spikeResult(
      await postDemandSpike(ctx.em, ctx.clock, ctx.principal, {
        ...rest,
        idempotencyKey,
        reserveRateMinor: reserveRate.amountMinor,
        currency: reserveRate.currency,
      }),
    );
  }

  @Mutation(() => SpikeTransitionResult, { description: 'Opens a DRAFT spike for bidding (its brand).' })
  async publishDemandSpike(
    @Ctx() ctx: Context,
    @Arg('spikeId', () => UuidScalar, { description: 'Spike id.' }) spikeId: string,
  ): Promise<typeof SpikeTransitionResult> {
    return spikeResult(await publishDemandSpike(ctx.em, ctx.clock, ctx.scores, ctx.principal, spikeId));
  }

  @Mutation(() => SpikeTransitionResult, { description: 'Cancels a DRAFT or OPEN spike (its brand, or the operator).' })
  async cancelDemandSpike(
    @Ctx() ctx: Context,
    @Arg('spikeId', () => UuidScalar, { description: 'Spike id.' }) spikeId: string,
  ): Promise<typeof SpikeTransitionResult> {
    return spikeResult(await cancelDemandSpike(ctx.em, ctx.clock, ctx.principal, spikeId));
  }

  @Mutation(() => SpikeTransitionResult, {
    description: 'Closes bidding now, before the close time (its brand, or the operator), and clears the spike at once.',
  })
  async closeBidding(
    @Ctx() ctx: Context,
    @Arg('spikeId', () => UuidScalar, { description: 'Spike id.' }) spikeId: string,
  ): Promise<typeof SpikeTransitionResult> {
    return spikeResult(await closeBidding(ctx.em, ctx.clock, ctx.principal, spikeId));
  }

  @Mutation(() => SpikeTransitionResult, {
    description: 'Moves the bidding close of an OPEN spike (its brand, or the operator); the clearing is rescheduled to the new time.',
  })
  async changeBiddingClose(
    @Ctx() ctx: Context,
    @Arg('spikeId', () => UuidScalar, { description: 'Spike id.' }) spikeId: string,
    @Arg('biddingClosesAt', () => Date, { description: 'New close time: in the future, no later than the first interval.' }) biddingClosesAt: Date,
  ): Promise<typeof SpikeTransitionResult> {
    return spikeResult(await changeBiddingClose(ctx.em, ctx.clock, ctx.principal, spikeId, biddingClosesAt));
  }

  @Query(() => DemandSpikeType, { description: 'A spike: for its brand and the operator; for a vendor once published, if it may bid on it or has bid on it.' })
  async demandSpike(@Ctx() ctx: Context, @Arg('id', () => UuidScalar, { description: 'Spike id.' }) id: string): Promise<DemandSpikeType> {
    return DemandSpikeType.from(await getDemandSpike(ctx.em, ctx.scores, ctx.principal, id));
  }

  @Query(() => DemandSpikeConnection, { description: 'The calling brand’s spikes, oldest first (the operator: all, or one brand’s).' })
  async demandSpikes(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('status', () => SpikeStatus, { nullable: true, description: 'Only spikes in this status.' }) status?: SpikeStatus | null,
    @Arg('brandId', () => UuidScalar, { nullable: true, description: 'Operator only: one brand’s spikes.' }) brandId?: string | null,
  ) {
    const result = await listDemandSpikes(ctx.em, ctx.principal, { status, brandId }, pageRequest(page));
    return toConnection(result, DemandSpikeType.from, page);
  }

  @Query(() => DemandSpikeConnection, { description: 'OPEN spikes the calling vendor is eligible to bid on, oldest first (VENDOR keys).' })
  async openDemandSpikes(@Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs) {
    const result = await listOpenDemandSpikes(ctx.em, ctx.clock, ctx.scores, ctx.principal, pageRequest(page));
    return toConnection(result, DemandSpikeType.from, page);
  }
}

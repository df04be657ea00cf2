import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { getClearingFailure } from '../../domain/clearing/clearing-failure.js';
import { getAuditRecord, getBidOutcome, getClearingResult, getContract, getRoutingPlan, listContracts } from '../../domain/clearing/clearing-queries.js';
import type { Context } from '../context.js';
import { PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';
import {
  adjustedCostOf,
  AuditRecordType,
  AwardType,
  BidOutcomeType,
  ClearedIntervalType,
  ClearingFailureType,
  ClearingResultType,
  ContractConnection,
  ContractType,
  RoutingIntervalType,
  RoutingPlanType,
} from './clearing.types.js';

@Resolver()
export class ClearingResolver {
  @Query(() => ClearingResultType, { nullable: true, description: 'The clearing of a spike, for its brand and the operator; null until it has cleared.' })
  async clearingResult(
    @Ctx() ctx: Context,
    @Arg('spikeId', () => UuidScalar, { description: 'The spike.' }) spikeId: string,
  ): Promise<ClearingResultType | null> {
    const view = await getClearingResult(ctx.em, ctx.principal, spikeId);
    if (!view) return null;
    const r = view.result;
    return Object.assign(new ClearingResultType(), {
      spikeId: r.spikeId,
      status: r.status,
      solver: r.solver,
      coveredSeatHours: r.coveredSeatHours,
      adjustedCost: adjustedCostOf(r.adjustedCost),
      clearedAt: r.createdAt,
      intervals: r.intervals.map(ClearedIntervalType.from),
      awards: view.awards.map(AwardType.from),
      bids: view.outcomes.map(BidOutcomeType.from),
      auditSha256: view.auditSha256,
    });
  }

  @Query(() => ClearingFailureType, {
    nullable: true,
    description: 'Why the last clearing attempt of a spike failed, for its brand and the operator; null when it has not failed, or has cleared since.',
  })
  async clearingFailure(
    @Ctx() ctx: Context,
    @Arg('spikeId', () => UuidScalar, { description: 'The spike.' }) spikeId: string,
  ): Promise<ClearingFailureType | null> {
    const failure = await getClearingFailure(ctx.em, ctx.principal, spikeId);
    return failure && ClearingFailureType.from(failure);
  }

  @Query(() => AuditRecordType, { nullable: true, description: 'The audit record of a clearing, for the brand and the operator; null until cleared.' })
  async auditRecord(@Ctx() ctx: Context, @Arg('spikeId', () => UuidScalar, { description: 'The spike.' }) spikeId: string): Promise<AuditRecordType | null> {
    const record = await getAuditRecord(ctx.em, ctx.principal, spikeId);
    return (
      record &&
      Object.assign(new AuditRecordType(), { spikeId: record.spikeId, sha256: record.sha256, canonicalJson: record.canonical, createdAt: record.createdAt })
    );
  }

  @Query(() => RoutingPlanType, {
    nullable: true,
    description: 'The routing plan of a cleared spike, with a CSV form for the ACD (brand and operator); null until cleared.',
  })
  async routingPlan(@Ctx() ctx: Context, @Arg('spikeId', () => UuidScalar, { description: 'The spike.' }) spikeId: string): Promise<RoutingPlanType | null> {
    const plan = await getRoutingPlan(ctx.em, ctx.principal, spikeId);
    return (
      plan &&
      Object.assign(new RoutingPlanType(), {
        spikeId,
        csv: plan.csv,
        intervals: plan.intervals.map((i) => RoutingIntervalType.from(i, plan.spike.intervalMinutes, plan.vendorNames)),
      })
    );
  }

  @Query(() => BidOutcomeType, {
    nullable: true,
    description: 'Your bid’s outcome (VENDOR keys): status, reason, awarded seats and bid to beat; null until cleared.',
  })
  async bidOutcome(@Ctx() ctx: Context, @Arg('bidId', () => UuidScalar, { description: 'Your bid.' }) bidId: string): Promise<BidOutcomeType | null> {
    const outcome = await getBidOutcome(ctx.em, ctx.principal, bidId);
    return outcome && BidOutcomeType.from(outcome);
  }

  @Query(() => ContractConnection, { description: 'Contracts your organisation is party to (brand or vendor side; the operator sees all), oldest first.' })
  async contracts(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('spikeId', () => UuidScalar, { nullable: true, description: 'Only contracts of this spike.' }) spikeId?: string | null,
  ) {
    return toConnection(await listContracts(ctx.em, ctx.principal, { spikeId }, pageRequest(page)), ContractType.from, page);
  }

  @Query(() => ContractType, { description: 'A contract your organisation is party to.' })
  async contract(@Ctx() ctx: Context, @Arg('id', () => UuidScalar, { description: 'Contract id.' }) id: string): Promise<ContractType> {
    return ContractType.from(await getContract(ctx.em, ctx.principal, id));
  }
}

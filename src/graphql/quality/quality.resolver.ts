import { Arg, Args, Ctx, Mutation, Query, Resolver, createUnionType } from 'type-graphql';
import { authenticated } from '../../domain/access/principal.js';
import { rotateIngestSecret } from '../../domain/quality/ingest-signature.js';
import { recordQualityEvents } from '../../domain/quality/quality-events.js';
import { scoreHistory, vendorRankings, vendorScorecard } from '../../domain/quality/quality-queries.js';
import { currentPolicy, setScoringPolicy } from '../../domain/quality/scoring-policy.js';
import { CONDITIONAL_MULTIPLIER } from '../../domain/quality/scoring.js';
import type { Context } from '../context.js';
import { PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';
import { ValidationError, toUserError } from '../common/user-errors.js';
import { Channel } from '../demand/demand.types.js';
import { BatchReceiptType, EventReceiptType, IngestSecretType, RecordQualityEventsInput } from './quality-events.types.js';
import { RankingConnection, RankingType, ScoreChangeConnection, ScoreChangeType, ScorecardType } from './quality.types.js';
import { ScoringPolicyInput, ScoringPolicyType, weightsToBp } from './scoring-policy.types.js';

const RecordQualityEventsResult = createUnionType({
  name: 'RecordQualityEventsResult',
  description: 'Receipts per event, or why the whole batch was refused (then nothing was written).',
  types: () => [BatchReceiptType, ValidationError] as const,
});

const SetScoringPolicyResult = createUnionType({
  name: 'SetScoringPolicyResult',
  description: 'The new policy, or why it was refused.',
  types: () => [ScoringPolicyType, ValidationError] as const,
});

@Resolver()
export class QualityResolver {
  @Mutation(() => RecordQualityEventsResult, {
    description:
      'Records quality events about vendors. Ratings: BRAND keys about their own contracts (each rating names one; at most one per contact handled per kind, within the delivery period and dispute window), or the operator. AUDIT: the operator and AUDITOR keys (marketplace-wide), or a brand (its own audit: a FAIL excludes the vendor from that brand’s spikes only). Each event is accepted, a duplicate, or rejected with a typed reason; scores follow within seconds.',
  })
  async recordQualityEvents(
    @Ctx() ctx: Context,
    @Arg('input', () => RecordQualityEventsInput, { description: 'The batch.' }) input: RecordQualityEventsInput,
  ): Promise<typeof RecordQualityEventsResult> {
    const r = await recordQualityEvents(ctx.em, ctx.clock, ctx.principal, input.events, 'GRAPHQL');
    if (!r.ok) return toUserError(r.failure);
    return Object.assign(new BatchReceiptType(), { ...r.value, receipts: r.value.receipts.map(EventReceiptType.from) });
  }

  @Mutation(() => IngestSecretType, {
    description: 'Issues (or replaces) your organisation’s secret for signed POST /ingest/quality requests (BRAND keys, or the operator). Shown once.',
  })
  async rotateQualityIngestSecret(@Ctx() ctx: Context): Promise<IngestSecretType> {
    return Object.assign(new IngestSecretType(), await rotateIngestSecret(ctx.em, ctx.clock, ctx.principal));
  }

  @Mutation(() => SetScoringPolicyResult, {
    description: 'Sets metric weights, prior weight and half-life as a new policy version (operator only); scores are recomputed at once.',
  })
  async setScoringPolicy(
    @Ctx() ctx: Context,
    @Arg('input', () => ScoringPolicyInput, { description: 'The policy.' }) input: ScoringPolicyInput,
  ): Promise<typeof SetScoringPolicyResult> {
    const r = await setScoringPolicy(ctx.em, ctx.clock, ctx.principal, {
      weightsBp: weightsToBp(input.weights),
      priorWeight: input.priorWeight,
      halfLifeDays: input.halfLifeDays,
    });
    if (!r.ok) return toUserError(r.failure);
    return ScoringPolicyType.from(r.value, CONDITIONAL_MULTIPLIER);
  }

  @Query(() => ScoringPolicyType, { description: 'The scoring policy in force (any key).' })
  async scoringPolicy(@Ctx() ctx: Context): Promise<ScoringPolicyType> {
    authenticated(ctx.principal);
    return ScoringPolicyType.from(await currentPolicy(ctx.em), CONDITIONAL_MULTIPLIER);
  }

  @Query(() => RankingConnection, {
    description:
      'Active vendors ranked by composite score for a kind of work (BRAND keys and the operator). Scores use skill and channel data where it exists.',
  })
  async vendorRankings(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('skill', () => String, { nullable: true, description: 'Only vendors with this skill, scored in it where they have data.' }) skill?: string | null,
    @Arg('channel', () => Channel, { nullable: true, description: 'Score in this channel where the vendor has data.' }) channel?: Channel | null,
  ) {
    return toConnection(
      await vendorRankings(ctx.em, ctx.principal, { skill: skill ?? null, channel: channel ?? null }, pageRequest(page)),
      RankingType.from,
      page,
    );
  }

  @Query(() => ScorecardType, {
    description: 'A vendor’s scorecard: in full for the vendor itself and the operator; composite and metric breakdown for brands.',
  })
  async vendorScorecard(@Ctx() ctx: Context, @Arg('vendorId', () => UuidScalar, { description: 'The vendor.' }) vendorId: string): Promise<ScorecardType> {
    return ScorecardType.from(await vendorScorecard(ctx.em, ctx.principal, vendorId));
  }

  @Query(() => ScoreChangeConnection, { description: 'How a vendor’s score moved and why, newest first (the vendor itself, brands and the operator).' })
  async scoreHistory(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('vendorId', () => UuidScalar, { description: 'The vendor.' }) vendorId: string,
    @Arg('scope', () => String, { nullable: true, description: 'Scope: omitted for the overall score, "skill:<tag>" or "channel:<CHANNEL>".' })
    scope?: string | null,
  ) {
    const full = ctx.principal?.role !== 'BRAND';
    return toConnection(await scoreHistory(ctx.em, ctx.principal, vendorId, scope ?? null, pageRequest(page)), (h) => ScoreChangeType.from(h, full), page);
  }
}

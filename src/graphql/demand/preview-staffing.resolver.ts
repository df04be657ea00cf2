import { Arg, Ctx, Field, Int, ObjectType, Query, Resolver, createUnionType } from 'type-graphql';
import { previewStaffing } from '../../domain/demand/preview-staffing.js';
import type { Context } from '../context.js';
import { ValidationError, toUserError } from '../common/user-errors.js';
import { PreviewStaffingInput, SpikeIntervalType } from './demand.types.js';

@ObjectType('StaffingPreview', { description: 'Per interval, the seats and service level posting these terms would derive. Nothing was written.' })
export class StaffingPreviewType {
  @Field(() => [SpikeIntervalType], { description: 'The intervals with their derived agents, seats and service level, as postDemandSpike would store them.' })
  intervals!: SpikeIntervalType[];
  @Field(() => Int, { description: 'Total seats required over all intervals.' }) totalRequiredSeats!: number;
}

const PreviewStaffingResult = createUnionType({
  name: 'PreviewStaffingResult',
  description: 'The preview, or the first refused value (the same refusal postDemandSpike would give, naming its field).',
  types: () => [StaffingPreviewType, ValidationError] as const,
});

@Resolver()
export class PreviewStaffingResolver {
  @Query(() => PreviewStaffingResult, {
    description:
      'Derives each interval’s seats and service level from a forecast with Erlang C, exactly as postDemandSpike would, and writes nothing (BRAND keys and the operator).',
  })
  previewStaffing(
    @Ctx() ctx: Context,
    @Arg('input', () => PreviewStaffingInput, { description: 'The staffing terms.' }) input: PreviewStaffingInput,
  ): typeof PreviewStaffingResult {
    const r = previewStaffing(ctx.principal, input);
    if (!r.ok) return toUserError(r.failure);
    return Object.assign(new StaffingPreviewType(), {
      intervals: r.value.map((i) => SpikeIntervalType.from(i, input.intervalMinutes)),
      totalRequiredSeats: r.value.reduce((sum, i) => sum + i.requiredSeats, 0),
    });
  }
}

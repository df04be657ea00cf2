import { ArrayMaxSize, IsInt, IsNumber, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { Arg, Ctx, Field, Float, InputType, Int, ObjectType, Query, Resolver, createUnionType } from 'type-graphql';
import { previewStaffing } from '../../domain/demand/preview-staffing.js';
import { MAX_INTERVALS } from '../../domain/demand/spike-terms.js';
import type { Context } from '../context.js';
import { ValidationError, toUserError } from '../common/user-errors.js';
import { Channel, SpikeIntervalInput, SpikeIntervalType } from './demand.types.js';

@InputType({ description: 'The staffing terms of a would-be spike: what its seats depend on (the same fields and rules as PostDemandSpikeInput).' })
export class PreviewStaffingInput {
  @Field(() => Channel, { description: 'Channel of the work.' }) channel!: Channel;

  @Field(() => String, { description: 'IANA time zone, e.g. Europe/London.' })
  @IsString()
  @Length(1, 64)
  timeZone!: string;

  @Field(() => Int, { description: 'Interval length in minutes: 15, 30 or 60.' })
  @IsInt()
  intervalMinutes!: number;

  @Field(() => [SpikeIntervalInput], { description: `The intervals, in time order, at most ${MAX_INTERVALS}.` })
  @ArrayMaxSize(MAX_INTERVALS)
  @ValidateNested({ each: true })
  intervals!: SpikeIntervalInput[];

  @Field(() => Float, { description: 'Service-level target, e.g. 0.8 for 80%.' })
  @IsNumber()
  @Min(0.01)
  @Max(0.999)
  serviceLevelTarget!: number;

  @Field(() => Int, { description: 'Answer-time threshold in seconds, e.g. 20.' })
  @IsInt()
  @Min(1)
  @Max(3600)
  serviceLevelSeconds!: number;

  @Field(() => Float, { nullable: true, description: 'Highest occupancy for Erlang C (default 0.85).' })
  @IsOptional()
  @IsNumber()
  @Min(0.1)
  @Max(1)
  maxOccupancy?: number | null;

  @Field(() => Float, { nullable: true, description: 'Shrinkage, 0 to 0.9 (default 0).' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(0.9)
  shrinkage?: number | null;

  @Field(() => Int, { nullable: true, description: 'Chats per agent at once, CHAT only (default 1).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  chatConcurrency?: number | null;
}

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

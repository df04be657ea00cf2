import { ArrayMaxSize, IsDate, IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { DemandSpike, StoredInterval } from '../../persistence/entities/demand.js';
import { MAX_INTERVALS } from '../../domain/demand/spike-terms.js';
import { MoneyInput, MoneyType } from '../common/money.type.js';
import { Connection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';

export enum Channel {
  VOICE = 'VOICE',
  CHAT = 'CHAT',
  EMAIL = 'EMAIL',
}
export enum OutsourcingModel {
  NETWORK_DELIVERED = 'NETWORK_DELIVERED',
  ENTERPRISE_ROUTED = 'ENTERPRISE_ROUTED',
  VIRTUALIZED = 'VIRTUALIZED',
}
export enum SpikeStatus {
  DRAFT = 'DRAFT',
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
  AWARDED = 'AWARDED',
  IN_DELIVERY = 'IN_DELIVERY',
  COMPLETED = 'COMPLETED',
  SETTLED = 'SETTLED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(Channel, {
  name: 'Channel',
  description: 'Contact channel of the work.',
  valuesConfig: {
    VOICE: { description: 'Phone calls.' },
    CHAT: { description: 'Chat: an agent handles several conversations at once (chat concurrency).' },
    EMAIL: { description: 'Email and other deferred contacts.' },
  },
});
registerEnumType(OutsourcingModel, {
  name: 'OutsourcingModel',
  description: 'How contacts reach the vendor: on the vendor’s network, routed by the brand’s platform, or on the brand’s virtualised desktop.',
  valuesConfig: {
    NETWORK_DELIVERED: { description: 'Contacts are delivered to the vendor’s own network and platform.' },
    ENTERPRISE_ROUTED: { description: 'The brand’s platform routes contacts to the vendor’s agents.' },
    VIRTUALIZED: { description: 'The vendor’s agents work on the brand’s virtualised desktop.' },
  },
});
registerEnumType(SpikeStatus, {
  name: 'SpikeStatus',
  description: 'Lifecycle: DRAFT → OPEN → CLOSED → AWARDED → IN_DELIVERY → COMPLETED → SETTLED, or CANCELLED from DRAFT/OPEN.',
  valuesConfig: {
    DRAFT: { description: 'Created and not published: only its brand and the operator see it.' },
    OPEN: { description: 'Published: eligible vendors bid until `biddingClosesAt`.' },
    CLOSED: { description: 'Bidding is over; clearing is due or running.' },
    AWARDED: { description: 'Cleared: contracts were awarded.' },
    IN_DELIVERY: { description: 'Delivery is under way.' },
    COMPLETED: { description: 'Delivery is over.' },
    SETTLED: { description: 'Every contract is settled.' },
    CANCELLED: { description: 'Cancelled by its brand while DRAFT or OPEN.' },
  },
});

const TAG = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;

@ObjectType('SpikeInterval', { description: 'One interval of a spike, with the seats it requires.' })
export class SpikeIntervalType {
  @Field(() => Int, { description: 'Position in the spike, from 0.' }) index!: number;
  @Field(() => Date, { description: 'Start (inclusive).' }) startsAt!: Date;
  @Field(() => Date, { description: 'End (exclusive).' }) endsAt!: Date;
  @Field(() => Int, { description: 'Seats required: as given, or derived from the forecast with Erlang C and shrinkage.' }) requiredSeats!: number;
  @Field(() => Int, { nullable: true, description: 'Forecast contacts, when the interval was given as a forecast.' }) forecastContacts!: number | null;
  @Field(() => Int, { nullable: true, description: 'Average handle time in seconds, for a forecast.' }) ahtSeconds!: number | null;
  @Field(() => Float, { nullable: true, description: 'Offered traffic in Erlangs, for a forecast.' }) trafficErlangs!: number | null;
  @Field(() => Int, { nullable: true, description: 'Productive agents Erlang C requires, before shrinkage.' }) agents!: number | null;
  @Field(() => Float, { nullable: true, description: 'Service level (0–1) the required seats reach; null for EMAIL or given seats.' }) serviceLevelAtRequired!:
    number | null;

  static from(i: StoredInterval, intervalMinutes: number): SpikeIntervalType {
    const startsAt = new Date(i.startsAt);
    return Object.assign(new SpikeIntervalType(), { ...i, startsAt, endsAt: new Date(startsAt.getTime() + intervalMinutes * 60_000) });
  }
}

@ObjectType('DemandSpike', { description: 'A brand’s request for short-notice capacity over a set of intervals.' })
export class DemandSpikeType {
  @Field(() => UuidScalar, { description: 'Spike id.' }) id!: string;
  @Field(() => UuidScalar, { description: 'The brand that posted it.' }) brandId!: string;
  @Field(() => String, { description: 'Title.' }) title!: string;
  @Field(() => Channel, { description: 'Channel of the work.' }) channel!: Channel;
  @Field(() => [String], { description: 'Skill tags a vendor must hold.' }) requiredSkills!: string[];
  @Field(() => [String], { description: 'Certifications a vendor must hold.' }) requiredCertifications!: string[];
  @Field(() => String, { description: 'IANA time zone the intervals are aligned in.' }) timeZone!: string;
  @Field(() => Int, { description: 'Interval length in minutes: 15, 30 or 60.' }) intervalMinutes!: number;
  @Field(() => [SpikeIntervalType], { description: 'The intervals, in time order.' }) intervals!: SpikeIntervalType[];
  @Field(() => Int, { description: 'Total seats required over all intervals.' }) totalRequiredSeats!: number;
  @Field(() => Float, { description: 'Service-level target: fraction answered within serviceLevelSeconds, e.g. 0.8.' }) serviceLevelTarget!: number;
  @Field(() => Int, { description: 'Answer-time threshold of the service level, in seconds.' }) serviceLevelSeconds!: number;
  @Field(() => Float, { description: 'Highest occupancy used by the Erlang C conversion.' }) maxOccupancy!: number;
  @Field(() => Float, { description: 'Shrinkage used to gross agents up to seats.' }) shrinkage!: number;
  @Field(() => Int, { description: 'Chats per agent at once (CHAT only).' }) chatConcurrency!: number;
  @Field(() => MoneyType, { description: 'Reserve rate: the highest price per seat-hour a bid may ask.' }) reserveRate!: MoneyType;
  @Field(() => Float, { nullable: true, description: 'Lowest vendor quality score (0–100) allowed to bid.' }) minQualityScore!: number | null;
  @Field(() => Float, { nullable: true, description: 'Highest share (0–1) of an interval’s required seats one vendor may win.' }) maxVendorShare!:
    number | null;
  @Field(() => Float, { description: 'Weight of quality against price in clearing: 0 = price only, 1 = full value adjustment.' }) qualityWeight!: number;
  @Field(() => Date, { description: 'When bidding closes.' }) biddingClosesAt!: Date;
  @Field(() => OutsourcingModel, { description: 'How contacts reach the vendor.' }) outsourcingModel!: OutsourcingModel;
  @Field(() => SpikeStatus, { description: 'Lifecycle status.' }) status!: SpikeStatus;
  @Field(() => Date, { description: 'When it was posted.' }) createdAt!: Date;
  @Field(() => Date, { description: 'When it last changed.' }) updatedAt!: Date;

  static from(s: DemandSpike): DemandSpikeType {
    return Object.assign(new DemandSpikeType(), {
      id: s.id,
      brandId: s.brandId,
      title: s.title,
      channel: s.channel,
      requiredSkills: s.requiredSkills,
      requiredCertifications: s.requiredCertifications,
      timeZone: s.timeZone,
      intervalMinutes: s.intervalMinutes,
      intervals: s.intervals.map((i) => SpikeIntervalType.from(i, s.intervalMinutes)),
      totalRequiredSeats: s.intervals.reduce((sum, i) => sum + i.requiredSeats, 0),
      serviceLevelTarget: s.serviceLevelTarget,
      serviceLevelSeconds: s.serviceLevelSeconds,
      maxOccupancy: s.maxOccupancy,
      shrinkage: s.shrinkage,
      chatConcurrency: s.chatConcurrency,
      reserveRate: MoneyType.of(s.reserveRateMinor, s.currency),
      minQualityScore: s.minQualityScore,
      maxVendorShare: s.maxVendorShare,
      qualityWeight: s.qualityWeight,
      biddingClosesAt: s.biddingClosesAt,
      outsourcingModel: s.outsourcingModel,
      status: s.status,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    });
  }
}

export const DemandSpikeConnection = Connection(DemandSpikeType, 'DemandSpike', 'demand spike');

@InputType({ description: 'One interval: either `seats`, or `forecastContacts` with `ahtSeconds` (converted with Erlang C).' })
export class SpikeIntervalInput {
  @Field(() => Date, { description: 'Start, on an interval boundary in the spike’s time zone.' })
  @IsDate()
  startsAt!: Date;

  @Field(() => Int, { nullable: true, description: 'Seats required, 0 to 10,000.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  seats?: number | null;

  @Field(() => Int, { nullable: true, description: 'Forecast contacts in the interval.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  forecastContacts?: number | null;

  @Field(() => Int, { nullable: true, description: 'Average handle time in seconds.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  ahtSeconds?: number | null;
}

@InputType({
  description: 'The staffing terms of a would-be spike: what its seats depend on (the same fields and rules as PostDemandSpikeInput, which extends it).',
})
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

  @Field(() => Float, { description: 'Service-level target, e.g. 0.8 for 80%; at most 6 decimals.' })
  @IsNumber()
  @Min(0.01)
  @Max(0.999)
  serviceLevelTarget!: number;

  @Field(() => Int, { description: 'Answer-time threshold in seconds, e.g. 20.' })
  @IsInt()
  @Min(1)
  @Max(3600)
  serviceLevelSeconds!: number;

  @Field(() => Float, { nullable: true, description: 'Highest occupancy for Erlang C (default 0.85); at most 6 decimals.' })
  @IsOptional()
  @IsNumber()
  @Min(0.1)
  @Max(1)
  maxOccupancy?: number | null;

  @Field(() => Float, { nullable: true, description: 'Shrinkage, 0 to 0.9 (default 0); at most 6 decimals.' })
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

@InputType({ description: 'A new demand spike, posted as a DRAFT.' })
export class PostDemandSpikeInput extends PreviewStaffingInput {
  @Field(() => String, { description: 'Title.' })
  @IsString()
  @Length(1, 200)
  title!: string;

  @Field(() => [String], { defaultValue: [], description: 'Skill tags a vendor must hold.' })
  @ArrayMaxSize(50)
  @Matches(TAG, { each: true, message: 'skills are tags such as billing or es-ES' })
  requiredSkills!: string[];

  @Field(() => [String], { defaultValue: [], description: 'Certifications a vendor must hold.' })
  @ArrayMaxSize(50)
  @Matches(TAG, { each: true, message: 'certifications are tags such as PCI_DSS' })
  requiredCertifications!: string[];

  @Field(() => MoneyInput, { description: 'Reserve rate per seat-hour; its currency is the spike’s currency.' })
  @ValidateNested()
  reserveRate!: MoneyInput;

  @Field(() => Float, { nullable: true, description: 'Lowest vendor quality score (0–100) allowed to bid; at most 4 decimals.' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  minQualityScore?: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest share (0–1] of an interval one vendor may win; at most 6 decimals.' })
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(1)
  maxVendorShare?: number | null;

  @Field(() => Float, { nullable: true, description: 'Quality weight 0–1 (default 1; 0 = price only); at most 6 decimals.' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  qualityWeight?: number | null;

  @Field(() => Date, { description: 'When bidding closes; intervals start at or after it.' })
  @IsDate()
  biddingClosesAt!: Date;

  @Field(() => OutsourcingModel, { description: 'How contacts reach the vendor.' }) outsourcingModel!: OutsourcingModel;
}

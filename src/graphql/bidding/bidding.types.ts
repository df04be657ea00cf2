import { ArrayMaxSize, ArrayMinSize, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Bid } from '../../persistence/entities/bidding.js';
import { MAX_INTERVALS } from '../../domain/demand/spike-terms.js';
import { MAX_NOTE_LENGTH } from '../../domain/bidding/bid-terms.js';
import { MoneyInput, MoneyType } from '../common/money.type.js';
import { Connection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';

export enum BidStatus {
  ACTIVE = 'ACTIVE',
  WON = 'WON',
  PARTIAL = 'PARTIAL',
  LOST = 'LOST',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(BidStatus, {
  name: 'BidStatus',
  description: 'ACTIVE until clearing, then WON, PARTIAL or LOST; WITHDRAWN by the vendor while the spike is open.',
  valuesConfig: {
    ACTIVE: { description: 'Submitted and in force: bidding is open or the spike has not cleared yet.' },
    WON: { description: 'Clearing awarded every offered seat.' },
    PARTIAL: { description: 'Clearing awarded some of the offered seats.' },
    LOST: { description: 'Clearing awarded no seat.' },
    WITHDRAWN: { description: 'Withdrawn by the vendor while the spike was open.' },
  },
});

@ObjectType('SeatOffer', { description: 'Seats offered in one interval of the spike.' })
export class SeatOfferType {
  @Field(() => Int, { description: 'Interval index in the spike.' }) index!: number;
  @Field(() => Int, { description: 'Seats offered.' }) seats!: number;
}

@ObjectType('Bid', { description: 'A sealed bid: visible to its vendor, and to the spike’s brand only after bidding closes.' })
export class BidType {
  @Field(() => UuidScalar, { description: 'Bid id.' }) id!: string;
  @Field(() => UuidScalar, { description: 'The spike bid on.' }) spikeId!: string;
  @Field(() => UuidScalar, { description: 'The bidding vendor.' }) vendorId!: string;
  @Field(() => BidStatus, { description: 'Status.' }) status!: BidStatus;
  @Field(() => MoneyType, { description: 'Price per seat-hour, in the spike’s currency.' }) rate!: MoneyType;
  @Field(() => [SeatOfferType], { description: 'Seats offered per interval.' }) offered!: SeatOfferType[];
  @Field(() => Int, { nullable: true, description: 'If awarded in an interval at all, at least this many seats.' }) minSeatsPerInterval!: number | null;
  @Field(() => Float, { nullable: true, description: 'Award at least this many seat-hours in total, or nothing.' }) minTotalSeatHours!: number | null;
  @Field(() => String, { nullable: true, description: 'Free-text note to the brand.' }) note!: string | null;
  @Field(() => Int, { description: 'Version for optimistic concurrency: pass it to reviseBid.' }) version!: number;
  @Field(() => Date, { description: 'Time of the last placement or revision (earlier wins exact ties in clearing).' }) submittedAt!: Date;
  @Field(() => Date, { description: 'When it was placed.' }) createdAt!: Date;
  @Field(() => Date, { description: 'When it last changed.' }) updatedAt!: Date;

  static from(b: Bid): BidType {
    return Object.assign(new BidType(), {
      id: b.id,
      spikeId: b.spikeId,
      vendorId: b.vendorId,
      status: b.status,
      rate: MoneyType.of(b.rateMinor, b.currency),
      offered: b.offered,
      minSeatsPerInterval: b.minSeatsPerInterval,
      minTotalSeatHours: b.minTotalSeatHours,
      note: b.note,
      version: b.version,
      submittedAt: b.submittedAt,
      createdAt: b.createdAt,
      updatedAt: b.updatedAt,
    });
  }
}

export const BidConnection = Connection(BidType, 'Bid', 'bid');

@InputType({ description: 'Seats offered in one interval.' })
export class SeatOfferInput {
  @Field(() => Int, { description: 'Interval index in the spike.' })
  @IsInt()
  @Min(0)
  @Max(MAX_INTERVALS)
  index!: number;

  @Field(() => Int, { description: 'Seats offered, at least 1 and at most what the interval requires.' })
  @IsInt()
  @Min(1)
  @Max(10_000)
  seats!: number;
}

@InputType({ description: 'A new sealed bid.' })
export class PlaceBidInput {
  @Field(() => UuidScalar, { description: 'The spike.' }) spikeId!: string;

  @Field(() => MoneyInput, { description: 'Price per seat-hour in the spike’s currency, not above its reserve.' })
  @ValidateNested()
  rate!: MoneyInput;

  @Field(() => [SeatOfferInput], { description: 'Seats per interval: any subset of the spike’s intervals.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_INTERVALS)
  @ValidateNested({ each: true })
  offered!: SeatOfferInput[];

  @Field(() => Int, { nullable: true, description: 'If awarded in an interval at all, at least this many seats.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  minSeatsPerInterval?: number | null;

  @Field(() => Float, { nullable: true, description: 'Minimum total seat-hours for the bid to be worth taking (all or nothing).' })
  @IsOptional()
  @IsNumber()
  @Min(0.25)
  @Max(10_000_000)
  minTotalSeatHours?: number | null;

  @Field(() => String, { nullable: true, description: `Note to the brand, up to ${MAX_NOTE_LENGTH} characters.` })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NOTE_LENGTH)
  note?: string | null;
}

@InputType({ description: 'Changes to an ACTIVE bid; omitted fields stay as they are.' })
export class ReviseBidInput {
  @Field(() => UuidScalar, { description: 'The bid.' }) bidId!: string;

  @Field(() => Int, { description: 'The version you last read; a stale one is a CONFLICT.' })
  @IsInt()
  @Min(1)
  expectedVersion!: number;

  @Field(() => MoneyInput, { nullable: true, description: 'New rate.' })
  @IsOptional()
  @ValidateNested()
  rate?: MoneyInput | null;

  @Field(() => [SeatOfferInput], { nullable: true, description: 'New seats per interval (replaces the list).' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_INTERVALS)
  @ValidateNested({ each: true })
  offered?: SeatOfferInput[] | null;

  @Field(() => Int, { nullable: true, description: 'New minimum seats per interval.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  minSeatsPerInterval?: number | null;

  @Field(() => Float, { nullable: true, description: 'New minimum total seat-hours.' })
  @IsOptional()
  @IsNumber()
  @Min(0.25)
  @Max(10_000_000)
  minTotalSeatHours?: number | null;

  @Field(() => Boolean, {
    defaultValue: false,
    description:
      'Remove both minimums first, then apply the minimum fields given: with a new minimum in the same revision, that minimum is kept and only the other is removed.',
  })
  clearMinimums!: boolean;

  @Field(() => String, { nullable: true, description: 'New note.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NOTE_LENGTH)
  note?: string | null;
}

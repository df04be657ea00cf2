import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Award, BidOutcome, ClearedInterval, ClearingFailure } from '../../persistence/entities/clearing.js';
import type { Contract } from '../../persistence/entities/contracts.js';
import type { RoutingInterval } from '../../domain/clearing/routing-plan.js';
import { BidStatus } from '../bidding/bidding.types.js';
import { BidOutcomeReason, ClearingStatus } from './clearing.enums.js';
import { MoneyType } from '../common/money.type.js';
import { Connection } from '../common/pagination.js';
import { DecimalScalar, decimalOf, decimalOrNull, UuidScalar } from '../common/scalars.js';

/** Value-adjusted rates are minor units per seat-hour to 0.01 (RATE_UNITS_PER_MINOR); costs Σ rate × quarter-hours, to 0.0001. */
const RATE_SCALE = 2;
const COST_SCALE = 4;
const RATE = 'A decimal string with two decimals';
/** The cost's decimal string (ClearingResult.adjustedCost). */
export const adjustedCostOf = (cost: number): string => decimalOf(cost, COST_SCALE);

export enum SolverKind {
  HIGHS = 'HIGHS',
  GREEDY = 'GREEDY',
  TRIVIAL = 'TRIVIAL',
}
registerEnumType(SolverKind, {
  name: 'SolverKind',
  description: 'HIGHS: MIP solver (intervals coupled by minimums); GREEDY: exact per-interval greedy; TRIVIAL: nothing to award.',
  valuesConfig: {
    HIGHS: { description: 'The HiGHS MIP solver: intervals coupled by minimum seats or totals.' },
    GREEDY: { description: 'The exact per-interval greedy: no coupling minimums.' },
    TRIVIAL: { description: 'Nothing to award: no eligible bid or no demand.' },
  },
});

export enum ContractStatus {
  ACTIVE = 'ACTIVE',
  DELIVERED = 'DELIVERED',
  SETTLED = 'SETTLED',
  ADJUSTED = 'ADJUSTED',
}
registerEnumType(ContractStatus, {
  name: 'ContractStatus',
  description: 'ACTIVE → DELIVERED → SETTLED; ADJUSTED after a late-data settlement.',
  valuesConfig: {
    ACTIVE: { description: 'Awarded; the delivery period has not ended.' },
    DELIVERED: { description: 'The delivery period has ended; settlement is due after the grace period.' },
    SETTLED: { description: 'Settled: an invoice was issued.' },
    ADJUSTED: { description: 'Settled, then adjusted by a credit or debit note after late actuals.' },
  },
});

export enum ClearingFailureCode {
  SOLVER_TIMEOUT = 'SOLVER_TIMEOUT',
  SOLVER_FAILED = 'SOLVER_FAILED',
  INVALID_INPUT = 'INVALID_INPUT',
  INTERNAL = 'INTERNAL',
}
registerEnumType(ClearingFailureCode, {
  name: 'ClearingFailureCode',
  description:
    'SOLVER_TIMEOUT: no proven optimum within the time limit; SOLVER_FAILED: the solver gave no trustworthy answer; INVALID_INPUT: the spike or its bids cannot be cleared as they stand; INTERNAL: an unexpected error.',
  valuesConfig: {
    SOLVER_TIMEOUT: { description: 'No proven optimum within the time limit.' },
    SOLVER_FAILED: { description: 'The solver gave no trustworthy answer.' },
    INVALID_INPUT: { description: 'The spike or its bids cannot be cleared as they stand.' },
    INTERNAL: { description: 'An unexpected error.' },
  },
});

const ms = (minutes: number) => minutes * 60_000;

@ObjectType('ClearedInterval', { description: 'One interval after clearing: required, awarded and unfilled seats, and the service level at risk.' })
export class ClearedIntervalType {
  @Field(() => Int, { description: 'Interval index.' }) index!: number;
  @Field(() => Date, { description: 'Start (inclusive).' }) startsAt!: Date;
  @Field(() => Int, { description: 'Seats the brand required.' }) requiredSeats!: number;
  @Field(() => Int, { description: 'Seats awarded.' }) awardedSeats!: number;
  @Field(() => Int, { description: 'Seats nobody was awarded.' }) unfilledSeats!: number;
  @Field(() => DecimalScalar, { nullable: true, description: `Highest value-adjusted rate that won seats here, in minor units per seat-hour. ${RATE}.` })
  highestWinningAdjustedRate!: string | null;
  @Field(() => Float, { nullable: true, description: 'For forecast intervals: service level (0–1) the awarded seats reach, by Erlang C.' })
  serviceLevelAtAwarded!: number | null;
  @Field(() => Float, { nullable: true, description: 'For forecast intervals: service level the required seats would reach.' }) serviceLevelAtRequired!:
    number | null;

  static from(i: ClearedInterval): ClearedIntervalType {
    return Object.assign(new ClearedIntervalType(), {
      ...i,
      startsAt: new Date(i.startsAt),
      highestWinningAdjustedRate: decimalOrNull(i.highestWinningAdjustedRate, RATE_SCALE),
    });
  }
}

@ObjectType('IntervalSeats', { description: 'Seats in one interval.' })
export class IntervalSeatsType {
  @Field(() => Int, { description: 'Interval index.' }) index!: number;
  @Field(() => Date, { description: 'Start (inclusive).' }) startsAt!: Date;
  @Field(() => Date, { description: 'End (exclusive).' }) endsAt!: Date;
  @Field(() => Int, { description: 'Seats.' }) seats!: number;
}

@ObjectType('BidToBeat', {
  description:
    'For one interval the bidder offered: its own adjusted rate against the highest adjusted rate that still won. Never another vendor’s identity or price.',
})
export class BidToBeatType {
  @Field(() => Int, { description: 'Interval index.' }) index!: number;
  @Field(() => DecimalScalar, { description: `Your value-adjusted rate, in minor units per seat-hour. ${RATE}.` }) ownAdjustedRate!: string;
  @Field(() => DecimalScalar, { nullable: true, description: `Highest adjusted rate awarded seats in this interval; null if none were. ${RATE}.` })
  highestWinningAdjustedRate!: string | null;
  @Field(() => Int, { description: 'Seats you were awarded here.' }) awardedSeats!: number;
}

@ObjectType('BidOutcome', { description: 'How clearing treated one bid, with a machine-readable reason.' })
export class BidOutcomeType {
  @Field(() => UuidScalar, { description: 'The bid.' }) bidId!: string;
  @Field(() => UuidScalar, { description: 'The bidding vendor.' }) vendorId!: string;
  @Field(() => BidStatus, { description: 'WON, PARTIAL or LOST.' }) status!: BidStatus;
  @Field(() => BidOutcomeReason, { description: 'Why (docs/clearing.md, "Reasons").' })
  reason!: string;
  @Field(() => String, { nullable: true, description: 'For INELIGIBLE: the rules the vendor failed at clearing time.' }) reasonDetail!: string | null;
  @Field(() => Float, { description: 'Quality score (0–100) used for this bid.' }) score!: number;
  @Field(() => DecimalScalar, { description: `Value-adjusted rate used, in minor units per seat-hour. ${RATE}.` }) adjustedRate!: string;
  @Field(() => Float, { description: 'Seat-hours awarded.' }) awardedSeatHours!: number;
  @Field(() => [BidToBeatType], { description: 'Per offered interval: own adjusted rate versus the highest winning one.' }) bidToBeat!: BidToBeatType[];

  static from(o: BidOutcome): BidOutcomeType {
    return Object.assign(new BidOutcomeType(), {
      bidId: o.bidId,
      vendorId: o.vendorId,
      status: o.status,
      reason: o.reason,
      reasonDetail: o.reasonDetail,
      score: o.score,
      adjustedRate: decimalOf(o.adjustedRate, RATE_SCALE),
      awardedSeatHours: o.awardedSeatHours,
      bidToBeat: o.bidToBeat.map((b) => ({
        ...b,
        ownAdjustedRate: decimalOf(b.ownAdjustedRate, RATE_SCALE),
        highestWinningAdjustedRate: decimalOrNull(b.highestWinningAdjustedRate, RATE_SCALE),
      })),
    });
  }
}

@ObjectType('AwardLine', { description: 'Seats awarded to one bid in one interval.' })
export class AwardType {
  @Field(() => UuidScalar, { description: 'The bid.' }) bidId!: string;
  @Field(() => UuidScalar, { description: 'The vendor.' }) vendorId!: string;
  @Field(() => Int, { description: 'Interval index.' }) index!: number;
  @Field(() => Int, { description: 'Seats awarded.' }) seats!: number;
  @Field(() => Float, { description: 'Score the award used.' }) score!: number;
  @Field(() => DecimalScalar, { description: `Adjusted rate the award used, in minor units per seat-hour. ${RATE}.` }) adjustedRate!: string;

  static from(a: Award): AwardType {
    return Object.assign(new AwardType(), {
      bidId: a.bidId,
      vendorId: a.vendorId,
      index: a.intervalIndex,
      seats: a.seats,
      score: a.score,
      adjustedRate: decimalOf(a.adjustedRate, RATE_SCALE),
    });
  }
}

@ObjectType('ClearingResult', { description: 'The outcome of clearing a spike: optimal awards and why every bid got what it got.' })
export class ClearingResultType {
  @Field(() => UuidScalar, { description: 'The spike.' }) spikeId!: string;
  @Field(() => ClearingStatus, { description: 'Solver status; always OPTIMAL (anything else is an error, never a partial award).' }) status!: string;
  @Field(() => SolverKind, { description: 'How the optimum was found.' }) solver!: SolverKind;
  @Field(() => Float, { description: 'Objective 1: seat-hours covered.' }) coveredSeatHours!: number;
  @Field(() => DecimalScalar, { description: 'Objective 2: value-adjusted cost, in minor units. A decimal string with four decimals.' }) adjustedCost!: string;
  @Field(() => Date, { description: 'When clearing ran.' }) clearedAt!: Date;
  @Field(() => [ClearedIntervalType], { description: 'Per interval: required, awarded, unfilled, service level at risk.' }) intervals!: ClearedIntervalType[];
  @Field(() => [AwardType], { description: 'Every award line.' }) awards!: AwardType[];
  @Field(() => [BidOutcomeType], { description: 'Every bid, eligible or not, with its reason.' }) bids!: BidOutcomeType[];
  @Field(() => String, { description: 'SHA-256 of the audit record’s canonical JSON.' }) auditSha256!: string;
}

@ObjectType('Contract', { description: 'A per-seat contract between a brand and a winning vendor for one spike.' })
export class ContractType {
  @Field(() => UuidScalar, { description: 'Contract id.' }) id!: string;
  @Field(() => UuidScalar, { description: 'The spike.' }) spikeId!: string;
  @Field(() => UuidScalar, { description: 'The buying brand.' }) brandId!: string;
  @Field(() => UuidScalar, { description: 'The delivering vendor.' }) vendorId!: string;
  @Field(() => UuidScalar, { description: 'The winning bid.' }) bidId!: string;
  @Field(() => ContractStatus, { description: 'Status.' }) status!: ContractStatus;
  @Field(() => MoneyType, { description: 'Rate per seat-hour (pay-as-bid).' }) rate!: MoneyType;
  @Field(() => [IntervalSeatsType], { description: 'Awarded seats per interval.' }) seats!: IntervalSeatsType[];
  @Field(() => Float, { description: 'Total awarded seat-hours.' }) totalSeatHours!: number;
  @Field(() => Float, { description: 'Service-level target.' }) serviceLevelTarget!: number;
  @Field(() => Int, { description: 'Answer-time threshold in seconds.' }) serviceLevelSeconds!: number;
  @Field(() => Float, { description: 'Service credit per point below target (0.01 = 1%).' }) creditPerPoint!: number;
  @Field(() => Float, { description: 'Cap on the service credit per interval (0.1 = 10%).' }) creditCap!: number;
  @Field(() => Date, { description: 'Start of the first awarded interval.' }) startsAt!: Date;
  @Field(() => Date, { description: 'End of the last awarded interval.' }) endsAt!: Date;
  @Field(() => Date, { description: 'When it was created.' }) createdAt!: Date;

  static from(c: Contract): ContractType {
    const seats = c.seats.map((s) => ({
      index: s.index,
      startsAt: new Date(s.startsAt),
      endsAt: new Date(Date.parse(s.startsAt) + ms(c.intervalMinutes)),
      seats: s.seats,
    }));
    return Object.assign(new ContractType(), {
      id: c.id,
      spikeId: c.spikeId,
      brandId: c.brandId,
      vendorId: c.vendorId,
      bidId: c.bidId,
      status: c.status,
      rate: MoneyType.of(c.rateMinor, c.currency),
      seats,
      totalSeatHours: c.seats.reduce((s, x) => s + (x.seats * c.intervalMinutes) / 60, 0),
      serviceLevelTarget: c.serviceLevelTarget,
      serviceLevelSeconds: c.serviceLevelSeconds,
      creditPerPoint: c.creditPerPoint,
      creditCap: c.creditCap,
      startsAt: c.startsAt,
      endsAt: c.endsAt,
      createdAt: c.createdAt,
    });
  }
}

export const ContractConnection = Connection(ContractType, 'Contract', 'contract');

@ObjectType('RoutingShare', { description: 'One vendor’s share of an interval’s traffic.' })
export class RoutingShareType {
  @Field(() => UuidScalar, { description: 'The vendor.' }) vendorId!: string;
  @Field(() => String, { description: 'Vendor name.' }) vendorName!: string;
  @Field(() => Int, { description: 'Seats awarded.' }) seats!: number;
  @Field(() => Int, { description: 'Share in basis points; an interval’s shares sum to 10,000.' }) basisPoints!: number;
}

@ObjectType('RoutingInterval', { description: 'Traffic split for one interval.' })
export class RoutingIntervalType {
  @Field(() => Int, { description: 'Interval index.' }) index!: number;
  @Field(() => Date, { description: 'Start (inclusive).' }) startsAt!: Date;
  @Field(() => Date, { description: 'End (exclusive).' }) endsAt!: Date;
  @Field(() => [RoutingShareType], { description: 'Shares by vendor (empty when nothing was awarded).' }) shares!: RoutingShareType[];

  static from(i: RoutingInterval, intervalMinutes: number, names: ReadonlyMap<string, string>): RoutingIntervalType {
    return Object.assign(new RoutingIntervalType(), {
      index: i.index,
      startsAt: new Date(i.startsAt),
      endsAt: new Date(Date.parse(i.startsAt) + ms(intervalMinutes)),
      shares: i.shares.map((s) => ({ ...s, vendorName: names.get(s.vendorId) ?? '' })),
    });
  }
}

@ObjectType('RoutingPlan', { description: 'Per interval, the share of traffic each vendor should get, proportional to awarded seats.' })
export class RoutingPlanType {
  @Field(() => UuidScalar, { description: 'The spike.' }) spikeId!: string;
  @Field(() => [RoutingIntervalType], { description: 'Intervals in order.' }) intervals!: RoutingIntervalType[];
  @Field(() => String, {
    description: 'The same plan as CSV (interval_index, interval_start, interval_end, vendor_id, vendor_name, seats, share_percent) for loading into an ACD.',
  })
  csv!: string;
}

@ObjectType('AuditRecord', { description: 'The clearing as it happened: inputs, scores, rules, solver status, awards and reasons, with a content hash.' })
export class AuditRecordType {
  @Field(() => UuidScalar, { description: 'The spike.' }) spikeId!: string;
  @Field(() => String, { description: 'SHA-256 (hex) of `canonicalJson`; recompute it to verify the record.' }) sha256!: string;
  @Field(() => String, { description: 'The record as canonical JSON (sorted keys, no whitespace).' }) canonicalJson!: string;
  @Field(() => Date, { description: 'When it was written.' }) createdAt!: Date;
}

@ObjectType('ClearingFailure', {
  description:
    'Why the last clearing attempt of a spike failed. Nothing was awarded (never a partial award); the clearing is retried automatically, and this disappears once it succeeds.',
})
export class ClearingFailureType {
  @Field(() => UuidScalar, { description: 'The spike.' }) spikeId!: string;
  @Field(() => ClearingFailureCode, { description: 'What failed.' }) code!: ClearingFailureCode;
  @Field(() => String, { description: 'What failed, in words.' }) message!: string;
  @Field(() => Int, { description: 'Failed attempts so far.' }) attempts!: number;
  @Field(() => Date, { description: 'When the first attempt failed.' }) firstFailedAt!: Date;
  @Field(() => Date, { description: 'When the latest attempt failed.' }) lastFailedAt!: Date;

  static from(f: ClearingFailure): ClearingFailureType {
    return Object.assign(new ClearingFailureType(), { ...f, code: f.code as ClearingFailureCode });
  }
}

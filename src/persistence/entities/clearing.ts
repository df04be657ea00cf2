/** Table shapes: what clearing decided: results, failures, awards, each bid's outcome and the audit record. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Per interval of a cleared spike: what was required, awarded and left unfilled. */
export interface ClearedInterval {
  index: number;
  startsAt: string;
  requiredSeats: number;
  awardedSeats: number;
  unfilledSeats: number;
  /** Highest adjusted rate that won seats here (the "bid to beat"), minor units per seat-hour. */
  highestWinningAdjustedRate: number | null;
  /** For forecast intervals: service level the awarded seats reach (Erlang C), else null. */
  serviceLevelAtAwarded: number | null;
  serviceLevelAtRequired: number | null;
}

export const ClearingResultSchema = defineEntity({
  name: 'ClearingResult',
  tableName: 'clearing_result',
  properties: {
    spikeId: p.uuid().primary(),
    status: p.enum(['OPTIMAL'] as const),
    solver: p.enum(['HIGHS', 'GREEDY', 'TRIVIAL'] as const),
    coveredSeatHours: p.double().$type<number>(),
    adjustedCost: p.double().$type<number>(),
    intervals: p.json<ClearedInterval[]>().columnType('jsonb'),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

export type ClearingResultRow = InferEntity<typeof ClearingResultSchema>;

/** Why the last clearing attempt of a spike failed; gone once the spike clears. */
export const ClearingFailureSchema = defineEntity({
  name: 'ClearingFailure',
  tableName: 'clearing_failure',
  properties: {
    spikeId: p.uuid().primary(),
    code: p.enum(['SOLVER_TIMEOUT', 'SOLVER_FAILED', 'INVALID_INPUT', 'INTERNAL'] as const),
    message: p.text(),
    attempts: p.integer(),
    firstFailedAt: p.datetime().columnType('timestamptz'),
    lastFailedAt: p.datetime().columnType('timestamptz'),
  },
});

export type ClearingFailure = InferEntity<typeof ClearingFailureSchema>;

export const AwardSchema = defineEntity({
  name: 'Award',
  tableName: 'award',
  properties: {
    id: p.uuid().primary(),
    spikeId: p.uuid(),
    bidId: p.uuid(),
    vendorId: p.uuid(),
    intervalIndex: p.integer(),
    seats: p.integer(),
    score: p.double().$type<number>(),
    adjustedRate: p.double().$type<number>(),
  },
});

export type Award = InferEntity<typeof AwardSchema>;

/** Per interval the bidder offered: its own adjusted rate and the highest adjusted rate that won there. */
export interface StoredBidToBeat {
  index: number;
  ownAdjustedRate: number;
  highestWinningAdjustedRate: number | null;
  awardedSeats: number;
}

export const BidOutcomeSchema = defineEntity({
  name: 'BidOutcome',
  tableName: 'bid_outcome',
  properties: {
    bidId: p.uuid().primary(),
    spikeId: p.uuid(),
    vendorId: p.uuid(),
    status: p.enum(['WON', 'PARTIAL', 'LOST'] as const),
    reason: p.string(),
    reasonDetail: p.text().strictNullable(),
    score: p.double().$type<number>(),
    adjustedRate: p.double().$type<number>(),
    awardedSeatHours: p.double().$type<number>(),
    bidToBeat: p.json<StoredBidToBeat[]>().columnType('jsonb'),
  },
});

export type BidOutcome = InferEntity<typeof BidOutcomeSchema>;

export const AuditRecordSchema = defineEntity({
  name: 'AuditRecord',
  tableName: 'audit_record',
  properties: {
    spikeId: p.uuid().primary(),
    document: p.json<Record<string, unknown>>().columnType('jsonb'),
    canonical: p.text(),
    sha256: p.string().length(64),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

export type AuditRecord = InferEntity<typeof AuditRecordSchema>;

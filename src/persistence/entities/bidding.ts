/** Table shapes: Sealed bids. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './columns.js';

export interface StoredOffer {
  index: number;
  seats: number;
}

export const BidSchema = defineEntity({
  name: 'Bid',
  tableName: 'bid',
  properties: {
    id: p.uuid().primary(),
    spikeId: p.uuid().index(),
    vendorId: p.uuid().index(),
    status: p.enum(['ACTIVE', 'WON', 'PARTIAL', 'LOST', 'WITHDRAWN'] as const),
    rateMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    offered: p.json<StoredOffer[]>().columnType('jsonb'),
    minSeatsPerInterval: p.integer().strictNullable(),
    minTotalSeatHours: p.double().$type<number>().strictNullable(),
    note: p.text().strictNullable(),
    version: p.integer(),
    idempotencyKey: p.string().length(200),
    payloadHash: p.string().length(64),
    /** Time of the last placement or revision: the tie-break in clearing. */
    submittedAt: p.datetime().columnType('timestamptz'),
    ...timestamps,
  },
});

export type Bid = InferEntity<typeof BidSchema>;

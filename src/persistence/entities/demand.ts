/** Table shapes: Demand spikes, with their intervals as posted. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './columns.js';

/** One interval of a spike, as stored (JSON on the spike: intervals never change after posting). */
export interface StoredInterval {
  index: number;
  startsAt: string;
  requiredSeats: number;
  forecastContacts: number | null;
  ahtSeconds: number | null;
  trafficErlangs: number | null;
  agents: number | null;
  serviceLevelAtRequired: number | null;
}

export const DemandSpikeSchema = defineEntity({
  name: 'DemandSpike',
  tableName: 'demand_spike',
  properties: {
    id: p.uuid().primary(),
    brandId: p.uuid().index(),
    title: p.string().length(200),
    channel: p.enum(['VOICE', 'CHAT', 'EMAIL'] as const),
    requiredSkills: p.array().columnType('text[]'),
    requiredCertifications: p.array().columnType('text[]'),
    timeZone: p.string().length(64),
    intervalMinutes: p.integer(),
    intervals: p.json<StoredInterval[]>().columnType('jsonb'),
    serviceLevelTarget: p.double().$type<number>(),
    serviceLevelSeconds: p.integer(),
    maxOccupancy: p.double().$type<number>(),
    shrinkage: p.double().$type<number>(),
    chatConcurrency: p.integer(),
    reserveRateMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    minQualityScore: p.double().$type<number>().strictNullable(),
    maxVendorShare: p.double().$type<number>().strictNullable(),
    qualityWeight: p.double().$type<number>(),
    biddingClosesAt: p.datetime().columnType('timestamptz'),
    outsourcingModel: p.enum(['NETWORK_DELIVERED', 'ENTERPRISE_ROUTED', 'VIRTUALIZED'] as const),
    status: p.enum(['DRAFT', 'OPEN', 'CLOSED', 'AWARDED', 'IN_DELIVERY', 'COMPLETED', 'SETTLED', 'CANCELLED'] as const),
    idempotencyKey: p.string().length(200).strictNullable(),
    payloadHash: p.string().length(64).strictNullable(),
    ...timestamps,
  },
});

export type DemandSpike = InferEntity<typeof DemandSpikeSchema>;

/** Table shapes: Per-seat contracts made by clearing. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export interface ContractSeats {
  index: number;
  startsAt: string;
  seats: number;
}

export const ContractSchema = defineEntity({
  name: 'Contract',
  tableName: 'contract',
  properties: {
    id: p.uuid().primary(),
    spikeId: p.uuid(),
    brandId: p.uuid(),
    vendorId: p.uuid(),
    bidId: p.uuid(),
    status: p.enum(['ACTIVE', 'DELIVERED', 'SETTLED', 'ADJUSTED'] as const),
    rateMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    intervalMinutes: p.integer(),
    seats: p.json<ContractSeats[]>().columnType('jsonb'),
    serviceLevelTarget: p.double().$type<number>(),
    serviceLevelSeconds: p.integer(),
    creditPerPoint: p.double().$type<number>(),
    creditCap: p.double().$type<number>(),
    startsAt: p.datetime().columnType('timestamptz'),
    endsAt: p.datetime().columnType('timestamptz'),
    createdAt: p.datetime().columnType('timestamptz'),
    /** Set when actuals arrive after a settlement: the next settlement posts the difference. */
    needsSettlement: p.boolean(),
  },
});

export type Contract = InferEntity<typeof ContractSchema>;

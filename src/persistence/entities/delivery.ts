/** Table shapes: Delivery actuals as reported, per contract interval and source. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const DeliveryReportSchema = defineEntity({
  name: 'DeliveryReport',
  tableName: 'delivery_report',
  properties: {
    id: p.uuid().primary(),
    contractId: p.uuid(),
    intervalIndex: p.integer(),
    source: p.enum(['VENDOR', 'BRAND'] as const),
    /** Staffed seat-hours in ten-thousandths (1 seat-hour = 10,000). */
    staffedUnits: p.bigint('bigint'),
    contactsHandled: p.integer(),
    /** Service level achieved in parts per million; null when not measured. */
    serviceLevelPpm: p.integer().strictNullable(),
    reportedByKeyId: p.uuid().strictNullable(),
    reportedAt: p.datetime().columnType('timestamptz'),
  },
});

export type DeliveryReport = InferEntity<typeof DeliveryReportSchema>;

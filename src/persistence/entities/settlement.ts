/** Table shapes: Invoices (and credit or debit notes) with their lines, and settlements. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const InvoiceSchema = defineEntity({
  name: 'Invoice',
  tableName: 'invoice',
  properties: {
    id: p.uuid().primary(),
    number: p.bigint('bigint'),
    contractId: p.uuid(),
    brandId: p.uuid(),
    vendorId: p.uuid(),
    kind: p.enum(['INVOICE', 'CREDIT_NOTE', 'DEBIT_NOTE'] as const),
    originalInvoiceId: p.uuid().strictNullable(),
    status: p.enum(['ISSUED', 'PARTIALLY_PAID', 'PAID', 'ADJUSTED'] as const),
    currency: p.string().length(3),
    netMinor: p.bigint('bigint'),
    feeMinor: p.bigint('bigint'),
    vendorPayoutMinor: p.bigint('bigint'),
    paidMinor: p.bigint('bigint'),
    periodStart: p.datetime().columnType('timestamptz'),
    periodEnd: p.datetime().columnType('timestamptz'),
    issuedAt: p.datetime().columnType('timestamptz'),
  },
});

export type Invoice = InferEntity<typeof InvoiceSchema>;

export const InvoiceLineSchema = defineEntity({
  name: 'InvoiceLine',
  tableName: 'invoice_line',
  properties: {
    id: p.uuid().primary(),
    invoiceId: p.uuid(),
    position: p.integer(),
    kind: p.enum(['BASE', 'CREDIT', 'FEE'] as const),
    intervalIndex: p.integer().strictNullable(),
    billableUnits: p.bigint('bigint').strictNullable(),
    description: p.text(),
    amountMinor: p.bigint('bigint'),
  },
});

export type InvoiceLine = InferEntity<typeof InvoiceLineSchema>;

export const SettlementSchema = defineEntity({
  name: 'Settlement',
  tableName: 'settlement',
  properties: {
    id: p.uuid().primary(),
    contractId: p.uuid(),
    sequence: p.integer(),
    idempotencyKey: p.text(),
    kind: p.enum(['INITIAL', 'ADJUSTMENT'] as const),
    invoiceId: p.uuid(),
    netMinor: p.bigint('bigint'),
    feeMinor: p.bigint('bigint'),
    /** Cumulative amounts after this settlement (all lines), the base for the next adjustment. */
    amounts: p.json<Record<string, unknown>>().columnType('jsonb'),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

export type Settlement = InferEntity<typeof SettlementSchema>;

/** Per vendor, the last invoice number issued (the invoice trigger takes the next one; Migration20261207120000). */
export const InvoiceNumberCounterSchema = defineEntity({
  name: 'InvoiceNumberCounter',
  tableName: 'invoice_number_counter',
  properties: {
    vendorId: p.uuid().primary(),
    lastNumber: p.bigint('bigint'),
  },
});

/**
 * Table shapes: The double-entry ledger (append-only; every transaction sums to zero, checked by a
 * deferred trigger at commit). Written only through domain/settlement/ledger.ts.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One account per (organisation, currency, kind), created on first use. */
export const LedgerAccountSchema = defineEntity({
  name: 'LedgerAccount',
  tableName: 'ledger_account',
  properties: {
    id: p.uuid().primary(),
    organizationId: p.uuid(),
    currency: p.string().length(3),
    kind: p.enum(['ORGANIZATION', 'OPERATOR_FEES', 'OPERATOR_CASH'] as const),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

export type LedgerAccount = InferEntity<typeof LedgerAccountSchema>;

/** A balanced transaction; its idempotency key is unique (a settlement or payment posts once). */
export const LedgerTransactionSchema = defineEntity({
  name: 'LedgerTransaction',
  tableName: 'ledger_transaction',
  properties: {
    id: p.uuid().primary(),
    kind: p.enum(['SETTLEMENT', 'ADJUSTMENT', 'PAYMENT'] as const),
    idempotencyKey: p.text(),
    currency: p.string().length(3),
    invoiceId: p.uuid().strictNullable(),
    settlementId: p.uuid().strictNullable(),
    description: p.text(),
    postedAt: p.datetime().columnType('timestamptz'),
  },
});

export type LedgerTransaction = InferEntity<typeof LedgerTransactionSchema>;

/** One posting: positive debits, negative credits; never zero. */
export const LedgerEntrySchema = defineEntity({
  name: 'LedgerEntry',
  tableName: 'ledger_entry',
  properties: {
    id: p.uuid().primary(),
    transactionId: p.uuid(),
    accountId: p.uuid(),
    amountMinor: p.bigint('bigint'),
    postedAt: p.datetime().columnType('timestamptz'),
  },
});

export type LedgerEntry = InferEntity<typeof LedgerEntrySchema>;

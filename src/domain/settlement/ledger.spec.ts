import { describe, expect, it } from 'vitest';
import { ledgerPosting, UnbalancedPostingError, type LedgerTransactionInput } from './ledger.js';

const tx: LedgerTransactionInput = {
  kind: 'PAYMENT',
  idempotencyKey: 'payment:org:1',
  currency: 'EUR',
  invoiceId: null,
  settlementId: null,
  description: 'Payment',
  postedAt: new Date('2026-12-07T10:00:00Z'),
};

describe('the ledger writer', () => {
  it('shapes a balanced transaction, without its zero postings', () => {
    const posting = ledgerPosting(tx, [
      { accountId: 'cash', amountMinor: 1_250n },
      { accountId: 'fees', amountMinor: 0n },
      { accountId: 'brand', amountMinor: -1_250n },
    ]);
    expect(posting?.sql).toMatch(/insert into ledger_transaction[\s\S]*insert into ledger_entry/);
    const entries = JSON.parse(posting!.params.at(-1) as string) as { account_id: string; amount_minor: string }[];
    expect(entries.map((e) => [e.account_id, e.amount_minor])).toEqual([
      ['cash', '1250'],
      ['brand', '-1250'],
    ]);
    expect(posting?.params[0]).toBe(posting?.transactionId);
  });

  it('has nothing to post when every posting is zero', () => {
    expect(ledgerPosting(tx, [])).toBeNull();
    expect(ledgerPosting(tx, [{ accountId: 'cash', amountMinor: 0n }])).toBeNull();
  });

  it('refuses a transaction that does not sum to zero, or moves money on one side only', () => {
    const unbalanced = [
      [
        { accountId: 'cash', amountMinor: 1_250n },
        { accountId: 'brand', amountMinor: -1_249n },
      ],
      [{ accountId: 'cash', amountMinor: 1n }],
      [
        { accountId: 'a', amountMinor: 5n },
        { accountId: 'b', amountMinor: 5n },
        { accountId: 'c', amountMinor: -9n },
      ],
    ];
    for (const postings of unbalanced) expect(() => ledgerPosting(tx, postings)).toThrow(UnbalancedPostingError);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { UnbalancedPostingError } from './ledger.js';
import { settlementStatement, type SettlementToWrite } from './settlement-statement.js';

// Settlement's postings always balance by construction (settlement-math.ts); to see that a
// settlement goes through the ledger writer's check, this file breaks them on purpose.
const broken = vi.hoisted(() => ({ on: false }));
vi.mock('./settlement-math.js', async (original) => {
  const real = await original<typeof import('./settlement-math.js')>();
  return {
    ...real,
    settlementPostings: (a: { netMinor: bigint; feeMinor: bigint }) =>
      broken.on ? { brand: a.netMinor, vendor: -(a.netMinor - a.feeMinor), operatorFees: 0n } : real.settlementPostings(a),
  };
});

const write = (netMinor: bigint, feeMinor: bigint): SettlementToWrite => ({
  contractId: '00000000-0000-7000-8000-000000000001',
  brandId: '00000000-0000-7000-8000-000000000002',
  vendorId: '00000000-0000-7000-8000-000000000003',
  currency: 'EUR',
  fromStatus: 'DELIVERED',
  sequence: 1,
  isAdjustment: false,
  originalInvoiceId: null,
  lines: [],
  netMinor,
  feeMinor,
  cumulative: { currency: 'EUR', lines: [], baseMinor: netMinor, creditMinor: 0n, netMinor, feeMinor, vendorPayoutMinor: netMinor - feeMinor },
  periodStart: new Date('2026-12-07T08:00:00Z'),
  periodEnd: new Date('2026-12-07T10:00:00Z'),
  now: new Date('2026-12-07T12:00:00Z'),
  accounts: { brand: 'brand-account', vendor: 'vendor-account', operatorFees: 'fee-account' },
});

describe('a settlement statement', () => {
  it('posts through the ledger writer, with as many placeholders as parameters', () => {
    broken.on = false;
    const s = settlementStatement(write(10_000n, 200n));
    expect(s.sql).toContain('insert into ledger_entry');
    expect(s.sql.split('?').length - 1).toBe(s.params.length);
    // Nothing to post: no ledger rows, and still one parameter per placeholder.
    const zero = settlementStatement(write(0n, 0n));
    expect(zero.sql).not.toContain('ledger_entry');
    expect(zero.sql.split('?').length - 1).toBe(zero.params.length);
  });

  it('is refused by the ledger writer before any SQL when its postings do not balance', () => {
    broken.on = true;
    expect(() => settlementStatement(write(10_000n, 200n))).toThrow(UnbalancedPostingError);
    broken.on = false;
  });
});

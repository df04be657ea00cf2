/**
 * Finance CSV downloads (GET /exports/statement.csv and /exports/invoices/:id.csv): ids and
 * names on every line, amounts as decimals in major units next to their currency (ISO 4217
 * digits: "12.34" GBP, "1234" JPY). Pure: the HTTP route reads through the same queries as the
 * GraphQL fields and hands the rows here.
 */
import { formatDecimal } from '../shared/money.js';
import { toCsv, type CsvCell } from '../shared/csv.js';
import type { Invoice, InvoiceLine } from '../../persistence/entities/settlement.js';
import type { Statement } from './finance-queries.js';

const decimal = (amountMinor: bigint, currency: string) => formatDecimal({ amountMinor, currency });

/** Opening balance, one line per entry with its running balance, closing balance; the owner's id and name on each. */
export function statementDownloadCsv(s: Statement, ownerName: string): string {
  const { accountId, organizationId, kind, currency } = s.account;
  const row = (at: Date, entryKind: string, description: string, transactionId: string, amount: bigint | null, balance: bigint): CsvCell[] => [
    at.toISOString(),
    accountId,
    kind,
    organizationId,
    ownerName,
    entryKind,
    description,
    transactionId,
    amount === null ? '' : decimal(amount, currency),
    decimal(balance, currency),
    currency,
  ];
  return toCsv([
    ['posted_at', 'account_id', 'account_kind', 'owner_id', 'owner_name', 'kind', 'description', 'transaction_id', 'amount', 'balance', 'currency'],
    row(s.from, 'OPENING', 'Opening balance', '', null, s.openingMinor),
    ...s.entries.map((e) => row(e.postedAt, e.kind, e.description, e.transactionId, e.amountMinor, e.balanceMinor)),
    row(s.to, 'CLOSING', 'Closing balance', '', null, s.closingMinor),
  ]);
}

/**
 * One line per invoice line, the invoice's ids, parties and period repeated on each (so every
 * line loads on its own), then the totals as lines of kind NET, FEE and VENDOR_PAYOUT.
 */
export function invoiceDownloadCsv(invoice: Invoice, lines: readonly InvoiceLine[], names: ReadonlyMap<string, string>): string {
  const head = [
    invoice.id,
    String(invoice.number),
    invoice.kind,
    invoice.status,
    invoice.contractId,
    invoice.vendorId,
    names.get(invoice.vendorId) ?? '',
    invoice.brandId,
    names.get(invoice.brandId) ?? '',
    invoice.issuedAt.toISOString(),
    invoice.periodStart.toISOString(),
    invoice.periodEnd.toISOString(),
  ];
  const c = invoice.currency;
  // Billable units are 1/10,000 of a seat-hour (never negative).
  const seatHours = (units: bigint | null) => (units === null ? '' : `${units / 10_000n}.${String(units % 10_000n).padStart(4, '0')}`);
  return toCsv([
    [
      'invoice_id',
      'invoice_number',
      'invoice_kind',
      'status',
      'contract_id',
      'vendor_id',
      'vendor_name',
      'brand_id',
      'brand_name',
      'issued_at',
      'period_start',
      'period_end',
      'line_position',
      'line_kind',
      'interval_index',
      'billable_seat_hours',
      'description',
      'amount',
      'currency',
    ],
    ...lines.map((l) => [...head, l.position, l.kind, l.intervalIndex, seatHours(l.billableUnits), l.description, decimal(l.amountMinor, c), c]),
    [...head, '', 'NET', '', '', 'Net (base less credits)', decimal(invoice.netMinor, c), c],
    [...head, '', 'FEE', '', '', 'Marketplace fee (paid by the vendor)', decimal(invoice.feeMinor, c), c],
    [...head, '', 'VENDOR_PAYOUT', '', '', 'Vendor payout', decimal(invoice.vendorPayoutMinor, c), c],
  ]);
}

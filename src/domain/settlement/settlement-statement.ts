/**
 * The write of one settlement, as one SQL statement: invoice, lines, settlement row, the original
 * invoice marked ADJUSTED, the contract's transition, the balanced ledger transaction (through the
 * ledger writer, ledger.ts), the `contract.settled` outbox event and the contract's new status.
 * One statement because the settlement workers settle thousands of contracts a minute: a handful
 * of round trips per batch, no unit of work.
 */
import { EVENT_INSERT_SQL, eventInsertValues } from '../events/outbox.js';
import { uuidv7 } from '../shared/ids.js';
import { transitionInsertSql, transitionRow } from '../shared/transitions.js';
import { ledgerPosting } from './ledger.js';
import { amountsToJson } from './settlement-amounts.js';
import { settlementPostings, type SettlementAmounts, type SettlementLine } from './settlement-math.js';

/** Everything decided about one settlement, before it is written. */
export interface SettlementToWrite {
  contractId: string;
  brandId: string;
  vendorId: string;
  currency: string;
  /** The contract's status before this settlement. */
  fromStatus: string;
  /** 1 for the first settlement, then one more per adjustment. */
  sequence: number;
  /** An adjustment (a credit or debit note of the difference) rather than the first settlement. */
  isAdjustment: boolean;
  /** The first settlement's invoice, which an adjustment's note refers to and marks ADJUSTED. */
  originalInvoiceId: string | null;
  /** Lines, net and fee of this document: the full amounts, or an adjustment's differences. */
  lines: readonly SettlementLine[];
  netMinor: bigint;
  feeMinor: bigint;
  /** The contract's cumulative amounts after this settlement, the base of the next adjustment. */
  cumulative: SettlementAmounts;
  periodStart: Date;
  periodEnd: Date;
  now: Date;
  /** Ledger accounts of the brand and the vendor (ORGANIZATION) and of the operator's fees. */
  accounts: { brand: string; vendor: string; operatorFees: string };
}

/** The statement, its parameters, and the ids it writes. */
export interface SettlementStatement {
  sql: string;
  params: unknown[];
  invoiceId: string;
  settlementId: string;
}

/**
 * Builds the statement of one settlement. Throws `UnbalancedPostingError` (ledger.ts) before any
 * SQL exists if its postings would not balance.
 */
export function settlementStatement(w: SettlementToWrite): SettlementStatement {
  const { isAdjustment } = w;
  const invoiceId = uuidv7();
  const settlementId = uuidv7();
  const net = w.netMinor;
  const fee = w.feeMinor;
  const invoiceKind = !isAdjustment ? 'INVOICE' : net < 0n ? 'CREDIT_NOTE' : 'DEBIT_NOTE';
  const toStatus = isAdjustment ? 'ADJUSTED' : 'SETTLED';
  // Settlement is the system's doing: no actor.
  const transition = transitionInsertSql(transitionRow('Contract', w.contractId, w.fromStatus, toStatus, null, w.now));
  const idempotencyKey = `settle:${w.contractId}:${w.sequence}`;
  const postings = settlementPostings({ netMinor: net, feeMinor: fee });
  // The balanced ledger transaction, through the one ledger writer (none when every posting is zero).
  const ledger = ledgerPosting(
    {
      kind: isAdjustment ? 'ADJUSTMENT' : 'SETTLEMENT',
      idempotencyKey,
      currency: w.currency,
      invoiceId,
      settlementId,
      description: `${isAdjustment ? `Adjustment ${w.sequence}` : 'Settlement'} of contract ${w.contractId}`,
      postedAt: w.now,
    },
    [
      { accountId: w.accounts.brand, amountMinor: postings.brand },
      { accountId: w.accounts.vendor, amountMinor: postings.vendor },
      { accountId: w.accounts.operatorFees, amountMinor: postings.operatorFees },
    ],
  );
  // Lines travel as one JSON parameter: hundreds of bind values would cost more to format than to insert.
  const linesJson = JSON.stringify(
    w.lines.map((l, i) => ({
      position: i + 1,
      kind: l.kind,
      interval_index: l.index,
      billable_units: l.billableUnits?.toString() ?? null,
      description: l.description,
      amount_minor: l.amountMinor.toString(),
    })),
  );
  const sql = `with inv as (
       insert into invoice (id, contract_id, brand_id, vendor_id, kind, original_invoice_id, status, currency, net_minor, fee_minor, vendor_payout_minor,
                            paid_minor, period_start, period_end, issued_at)
       values (?, ?, ?, ?, ?, ?, 'ISSUED', ?, ?, ?, ?, 0, ?, ?, ?) returning id
     ), lines as (
       insert into invoice_line (id, invoice_id, position, kind, interval_index, billable_units, description, amount_minor)
       select gen_random_uuid(), inv.id, v.position, v.kind, v.interval_index, v.billable_units, v.description, v.amount_minor
         from jsonb_to_recordset(?::jsonb) as v(position int, kind text, interval_index int, billable_units bigint, description text, amount_minor bigint), inv
     ), st as (
       insert into settlement (id, contract_id, sequence, idempotency_key, kind, invoice_id, net_minor, fee_minor, amounts, created_at)
       select ?, ?, ?, ?, ?, inv.id, ?, ?, ?::jsonb, ? from inv
     ), orig as (
       update invoice set status = 'ADJUSTED' where id = ?::uuid
     ), tr as (
       ${transition.sql}
     ), ${ledger ? `${ledger.sql}, ` : ''}ev as (
       -- The contract.settled event for the outbox, committed with the settlement or not at all.
       ${EVENT_INSERT_SQL}
     )
     update contract set status = ?, needs_settlement = false where id = ?`;
  // Parameters in the order of the statement's placeholders, one group per table expression.
  const payout = (net - fee).toString();
  const inv = [
    invoiceId,
    w.contractId,
    w.brandId,
    w.vendorId,
    invoiceKind,
    isAdjustment ? w.originalInvoiceId : null,
    w.currency,
    net.toString(),
    fee.toString(),
  ];
  const st = [settlementId, w.contractId, w.sequence, idempotencyKey, isAdjustment ? 'ADJUSTMENT' : 'INITIAL', net.toString(), fee.toString()];
  const params = [
    ...inv,
    payout,
    w.periodStart,
    w.periodEnd,
    w.now,
    linesJson,
    ...st,
    amountsToJson(w.cumulative),
    w.now,
    isAdjustment ? w.originalInvoiceId : null,
    ...transition.params,
    ...(ledger?.params ?? []),
    ...eventInsertValues(
      'contract.settled',
      [w.brandId, w.vendorId],
      {
        contractId: w.contractId,
        brandId: w.brandId,
        vendorId: w.vendorId,
        settlementId,
        sequence: w.sequence,
        kind: isAdjustment ? 'ADJUSTMENT' : 'INITIAL',
        invoiceId,
        invoiceKind,
        currency: w.currency,
        netMinor: net.toString(),
        feeMinor: fee.toString(),
        vendorPayoutMinor: payout,
      },
      w.now,
    ),
    toStatus,
    w.contractId,
  ];
  return { sql, params, invoiceId, settlementId };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Contract, ContractSeats } from '../../persistence/entities/contracts.js';
import { pickEffectiveActuals, REPORTS_JSON_SQL, type ActualsRow, type ReportRow } from '../delivery/report-delivery.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { eventInsertValues } from '../events/outbox.js';
import { pgArray } from '../shared/sql.js';
import { transitionInsertSql, transitionRow } from '../shared/transitions.js';
import { accountIds, accountKey } from './ledger.js';
import { computeSettlement, settlementDelta, settlementPostings, type SettlementAmounts, type SettlementLine } from './settlement-math.js';

export interface SettlementPolicy {
  /** Marketplace fee in parts per million of the net (default 20,000 = 2%). */
  feePpm: number;
  /** Time after a contract's last interval before it settles by itself. */
  graceMs: number;
}

export const DEFAULT_POLICY: SettlementPolicy = { feePpm: 20_000, graceMs: 2 * 3_600_000 };

export type SettleOutcome =
  | { kind: 'SETTLED' | 'ADJUSTED'; contractId: string; sequence: number; invoiceId: string }
  | { kind: 'NOTHING_TO_ADJUST' | 'ALREADY_SETTLED' | 'MISSING'; contractId: string }
  | { kind: 'NOT_DUE'; contractId: string; dueAt: Date };

/**
 * Settlement amounts as JSON text (bigints tagged), stored with each settlement as the base for
 * the next adjustment. Line descriptions are left out: an adjustment writes its own.
 */
export function amountsToJson(a: SettlementAmounts): string {
  return JSON.stringify({ ...a, lines: a.lines.map(({ description: _d, ...line }) => line) }, (_k, v) =>
    typeof v === 'bigint' ? { $bigint: v.toString() } : v,
  );
}

export function amountsFromJson(json: unknown): SettlementAmounts {
  const parsed = JSON.parse(typeof json === 'string' ? json : JSON.stringify(json), (_k, v) =>
    v && typeof v === 'object' && typeof v.$bigint === 'string' ? BigInt(v.$bigint) : v,
  ) as SettlementAmounts;
  return { ...parsed, lines: parsed.lines.map((l) => ({ ...l, description: '' })) };
}

/** The settlement terms of a contract, in the integer units of the settlement arithmetic. */
type ContractTerms = Pick<Contract, 'currency' | 'rateMinor' | 'intervalMinutes' | 'seats' | 'serviceLevelTarget' | 'creditPerPoint' | 'creditCap'>;

/** The contract's amounts for the given actuals (per interval, after source precedence). */
export function amountsFor(contract: ContractTerms, actuals: Map<number, ActualsRow>, policy: SettlementPolicy): SettlementAmounts {
  return computeSettlement(
    {
      currency: contract.currency,
      rateMinor: contract.rateMinor,
      intervalMinutes: contract.intervalMinutes as 15 | 30 | 60,
      awardedSeats: contract.seats.map((s) => ({ index: s.index, seats: s.seats })),
      // Stored as fractions with at most 4 decimals; ppm makes them exact integers.
      targetPpm: Math.round(contract.serviceLevelTarget * 1_000_000),
      creditPerPointPpm: Math.round(contract.creditPerPoint * 1_000_000),
      creditCapPpm: Math.round(contract.creditCap * 1_000_000),
      feePpm: policy.feePpm,
    },
    [...actuals.entries()].map(([index, a]) => ({ index, staffedUnits: a.staffedUnits, achievedPpm: a.serviceLevelPpm })),
  );
}

interface LockedContract {
  id: string;
  brand_id: string;
  vendor_id: string;
  status: Contract['status'];
  rate_minor: string;
  currency: string;
  interval_minutes: number;
  seats: ContractSeats[];
  service_level_target: number;
  credit_per_point: number;
  credit_cap: number;
  starts_at: string;
  ends_at: string;
  needs_settlement: boolean;
  operator_id: string | null;
  last_sequence: number | null;
  last_amounts: unknown;
  original_invoice_id: string | null;
  outsourcing_model: string;
  reports: ReportRow[];
}

/**
 * Settles a contract, exactly once in effect. Under a row lock on the contract it decides what
 * is owed: the first settlement (sequence 1) once the contract is due, or, when late actuals
 * flagged the contract, an adjustment (next sequence) that posts only the difference as a
 * credit or debit note. The invoice, its lines, the settlement row, the balanced ledger
 * transaction and a `contract.settled` outbox event are written in the same transaction; the
 * settlement's (contract, sequence) and idempotency key are unique, so a duplicated job or a retry after a crash cannot post twice.
 *
 * Hot path for the settlement workers: a handful of round trips in plain SQL, no unit of work.
 */
export async function settleContract(
  em: EntityManager,
  clock: Clock,
  contractId: string,
  policy: SettlementPolicy,
  options: { force?: boolean } = {},
): Promise<SettleOutcome> {
  try {
    const [outcome] = await settleContracts(em, clock, [{ contractId, force: options.force === true }], policy);
    return outcome!;
  } catch (error) {
    // Belt and braces: the row lock already serialises settlements of one contract; if the
    // unique keys ever fire anyway, someone else settled it and this attempt wrote nothing.
    if ((error as { name?: string }).name === 'UniqueConstraintViolationException' && /settlement_/.test(String((error as Error).message))) {
      return { kind: 'ALREADY_SETTLED', contractId };
    }
    throw error;
  }
}

export interface SettleRequest {
  contractId: string;
  /** Settle even before the end plus grace period (asked for by finance). */
  force: boolean;
}

/**
 * Settles several contracts in one database transaction (group commit): one statement locks
 * them all, in id order so that concurrent batches cannot deadlock, one reads them all, then one
 * statement per contract writes its settlement. Each contract is decided exactly as
 * `settleContract` decides it. All or nothing: if it throws, nothing was written, and the caller
 * settles the contracts one by one so that one bad contract does not hold up the others.
 * Outcomes come back in request order; a contract requested twice gets one outcome.
 */
export async function settleContracts(em: EntityManager, clock: Clock, requests: readonly SettleRequest[], policy: SettlementPolicy): Promise<SettleOutcome[]> {
  const ids = [...new Set(requests.map((r) => r.contractId))].sort();
  const outcomes = await em.transactional(async (tem) => {
    // Lock first, then read in a new statement: its snapshot then sees whatever a settlement
    // that held a lock before us committed (one statement would read settlements as of its start).
    await tem.execute('select id from contract where id = any(?::uuid[]) order by id for update', [pgArray(ids)]);
    const rows = await tem.execute<LockedContract[]>(
      `select c.id, c.brand_id, c.vendor_id, c.status, c.rate_minor::text as rate_minor, c.currency, c.interval_minutes, c.seats,
              c.service_level_target, c.credit_per_point, c.credit_cap, c.starts_at, c.ends_at, c.needs_settlement,
              (select id from organization where kind = 'OPERATOR' order by id limit 1) as operator_id,
              l.sequence as last_sequence, l.amounts as last_amounts,
              (select invoice_id from settlement where contract_id = c.id and sequence = 1) as original_invoice_id,
              s.outsourcing_model, ${REPORTS_JSON_SQL} as reports
         from contract c
         join demand_spike s on s.id = c.spike_id
         left join lateral (select sequence, amounts from settlement where contract_id = c.id order by sequence desc limit 1) l on true
        where c.id = any(?::uuid[])`,
      [pgArray(ids)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    await lockInvoiceNumbers(
      tem,
      rows.map((r) => r.vendor_id),
    );
    const now = clock.now();
    const accounts = await accountIds(
      tem,
      rows.flatMap((c) =>
        c.operator_id
          ? [
              { organizationId: c.brand_id, currency: c.currency, kind: 'ORGANIZATION' as const },
              { organizationId: c.vendor_id, currency: c.currency, kind: 'ORGANIZATION' as const },
              { organizationId: c.operator_id, currency: c.currency, kind: 'OPERATOR_FEES' as const },
            ]
          : [],
      ),
      now,
    );
    const out = new Map<string, SettleOutcome>();
    for (const id of ids) {
      const force = requests.some((r) => r.contractId === id && r.force);
      out.set(id, await settleRow(tem, id, byId.get(id), now, policy, force, accounts));
    }
    return out;
  });
  return requests.map((r) => outcomes.get(r.contractId)!);
}

/**
 * Locks the invoice number counters of these vendors, creating missing ones, in vendor id order.
 * The invoice trigger takes each invoice's number from its vendor's counter (per-vendor numbering,
 * Migration20261207120000) and holds that row until commit; taken one invoice at a time, in
 * contract order, two batches with contracts of the same two vendors could lock the counters in
 * opposite orders and deadlock. Locked up front in one order they queue instead.
 */
async function lockInvoiceNumbers(tem: EntityManager, vendorIds: readonly string[]): Promise<void> {
  const ids = [...new Set(vendorIds)].sort();
  if (!ids.length) return;
  await tem.execute(`insert into invoice_number_counter (vendor_id, last_number) select v, 0 from unnest(?::uuid[]) as v order by v on conflict do nothing`, [
    pgArray(ids),
  ]);
  await tem.execute('select vendor_id from invoice_number_counter where vendor_id = any(?::uuid[]) order by vendor_id for update', [pgArray(ids)]);
}

/** Decides and writes one locked contract's settlement, inside the caller's transaction. */
async function settleRow(
  tem: EntityManager,
  contractId: string,
  c: LockedContract | undefined,
  now: Date,
  policy: SettlementPolicy,
  force: boolean,
  accounts: Map<string, string>,
): Promise<SettleOutcome> {
  if (!c) return { kind: 'MISSING', contractId };
  const endsAt = new Date(c.ends_at);
  if (c.last_sequence === null) {
    const dueAt = new Date(endsAt.getTime() + policy.graceMs);
    if (!force && dueAt.getTime() > now.getTime()) return { kind: 'NOT_DUE', contractId, dueAt };
  } else if (!c.needs_settlement) {
    return { kind: 'ALREADY_SETTLED', contractId };
  }
  if (!c.operator_id) throw new Error('No operator organisation: run npm run bootstrap:operator');

  const current = amountsFor(
    {
      currency: c.currency,
      rateMinor: BigInt(c.rate_minor),
      intervalMinutes: c.interval_minutes,
      seats: c.seats,
      serviceLevelTarget: c.service_level_target,
      creditPerPoint: c.credit_per_point,
      creditCap: c.credit_cap,
    },
    pickEffectiveActuals(c.reports, c.outsourcing_model),
    policy,
  );
  const isAdjustment = c.last_sequence !== null;
  const sequence = (c.last_sequence ?? 0) + 1;
  let lines: SettlementLine[];
  let net: bigint;
  let fee: bigint;
  if (isAdjustment) {
    const delta = settlementDelta(amountsFromJson(c.last_amounts), current);
    if (delta.netDeltaMinor === 0n && delta.feeDeltaMinor === 0n && delta.lines.length === 0) {
      await tem.execute('update contract set needs_settlement = false where id = ?', [contractId]);
      return { kind: 'NOTHING_TO_ADJUST', contractId };
    }
    ({ lines } = delta);
    net = delta.netDeltaMinor;
    fee = delta.feeDeltaMinor;
  } else {
    ({ lines } = current);
    net = current.netMinor;
    fee = current.feeMinor;
  }

  const invoiceId = uuidv7();
  const settlementId = uuidv7();
  const invoiceKind = !isAdjustment ? 'INVOICE' : net < 0n ? 'CREDIT_NOTE' : 'DEBIT_NOTE';
  const toStatus = isAdjustment ? 'ADJUSTED' : 'SETTLED';
  const postings = settlementPostings({ netMinor: net, feeMinor: fee });
  const entries = [
    { account: accounts.get(accountKey({ organizationId: c.brand_id, currency: c.currency, kind: 'ORGANIZATION' }))!, amount: postings.brand },
    { account: accounts.get(accountKey({ organizationId: c.vendor_id, currency: c.currency, kind: 'ORGANIZATION' }))!, amount: postings.vendor },
    { account: accounts.get(accountKey({ organizationId: c.operator_id, currency: c.currency, kind: 'OPERATOR_FEES' }))!, amount: postings.operatorFees },
  ].filter((e) => e.amount !== 0n);
  const ledgerTxId = entries.length ? uuidv7() : null;
  const idempotencyKey = `settle:${contractId}:${sequence}`;
  // Lines travel as one JSON parameter: hundreds of bind values would cost more to format than to insert.
  const linesJson = JSON.stringify(
    lines.map((l, i) => ({
      position: i + 1,
      kind: l.kind,
      interval_index: l.index,
      billable_units: l.billableUnits?.toString() ?? null,
      description: l.description,
      amount_minor: l.amountMinor.toString(),
    })),
  );
  // Settlement is the system's doing: no actor.
  const transition = transitionInsertSql(transitionRow('Contract', contractId, c.status, toStatus, null, now));
  // Invoice, lines, settlement, ledger transaction, contract status, transition and outbox event in one statement.
  await tem.execute(
    `with inv as (
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
     ), lt as (
       -- The balanced ledger transaction (none when every posting is zero); the deferred trigger checks the sum at commit.
       insert into ledger_transaction (id, kind, idempotency_key, currency, invoice_id, settlement_id, description, posted_at)
       select ?::uuid, ?, ?, ?, inv.id, ?::uuid, ?, ? from inv where ?::uuid is not null
       returning id
     ), le as (
       insert into ledger_entry (id, transaction_id, account_id, amount_minor, posted_at)
       select gen_random_uuid(), lt.id, e.account_id, e.amount_minor, ?
         from jsonb_to_recordset(?::jsonb) as e(account_id uuid, amount_minor bigint), lt
     ), ev as (
       -- The contract.settled event for the outbox, committed with the settlement or not at all.
       insert into domain_event (id, type, audience, payload, created_at) values (?, ?, ?::uuid[], ?::jsonb, ?)
     )
     update contract set status = ?, needs_settlement = false where id = ?`,
    [
      invoiceId,
      contractId,
      c.brand_id,
      c.vendor_id,
      invoiceKind,
      isAdjustment ? c.original_invoice_id : null,
      c.currency,
      net.toString(),
      fee.toString(),
      (net - fee).toString(),
      new Date(c.starts_at),
      endsAt,
      now,
      linesJson,
      settlementId,
      contractId,
      sequence,
      idempotencyKey,
      isAdjustment ? 'ADJUSTMENT' : 'INITIAL',
      net.toString(),
      fee.toString(),
      amountsToJson(current),
      now,
      isAdjustment ? c.original_invoice_id : null,
      ...transition.params,
      ledgerTxId,
      isAdjustment ? 'ADJUSTMENT' : 'SETTLEMENT',
      idempotencyKey,
      c.currency,
      settlementId,
      `${isAdjustment ? `Adjustment ${sequence}` : 'Settlement'} of contract ${contractId}`,
      now,
      ledgerTxId,
      now,
      JSON.stringify(entries.map((e) => ({ account_id: e.account, amount_minor: e.amount.toString() }))),
      ...eventInsertValues(
        'contract.settled',
        [c.brand_id, c.vendor_id],
        {
          contractId,
          brandId: c.brand_id,
          vendorId: c.vendor_id,
          settlementId,
          sequence,
          kind: isAdjustment ? 'ADJUSTMENT' : 'INITIAL',
          invoiceId,
          invoiceKind,
          currency: c.currency,
          netMinor: net.toString(),
          feeMinor: fee.toString(),
          vendorPayoutMinor: (net - fee).toString(),
        },
        now,
      ),
      toStatus,
      contractId,
    ],
  );
  return { kind: isAdjustment ? 'ADJUSTED' : 'SETTLED', contractId, sequence, invoiceId };
}

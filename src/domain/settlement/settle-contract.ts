import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContractSchema } from '../../persistence/entities/contracts.js';
import type { SettlementSchema } from '../../persistence/entities/settlement.js';
import type { RowOf } from '../../persistence/rows.js';
import { ACTUALS_SQL, CONTRACT_WITH_SPIKE_SQL, type ActualsFactsRow } from '../delivery/delivery-facts.js';
import type { Clock } from '../shared/clock.js';
import { pgArray } from '../shared/sql.js';
import { accountIds, accountKey } from './ledger.js';
import { amountsFromJson, CONTRACT_TERMS_SQL, currentAmounts, type ContractTermsRow, type SettlementPolicy } from './settlement-amounts.js';
import { settlementDelta, type SettlementLine } from './settlement-math.js';
import { settlementStatement } from './settlement-statement.js';

export { DEFAULT_POLICY, type SettlementPolicy } from './settlement-amounts.js';

export type SettleOutcome =
  | { kind: 'SETTLED' | 'ADJUSTED'; contractId: string; sequence: number; invoiceId: string }
  | { kind: 'NOTHING_TO_ADJUST' | 'ALREADY_SETTLED' | 'MISSING'; contractId: string }
  | { kind: 'NOT_DUE'; contractId: string; dueAt: Date };

/** A contract as settlement reads it under its row lock: terms, actuals and its last settlement. */
type LockedContract = Pick<RowOf<typeof ContractSchema>, 'id' | 'brand_id' | 'vendor_id' | 'status' | 'starts_at' | 'ends_at' | 'needs_settlement'> &
  ContractTermsRow &
  ActualsFactsRow & {
    operator_id: string | null;
    last_sequence: RowOf<typeof SettlementSchema>['sequence'] | null;
    last_amounts: RowOf<typeof SettlementSchema>['amounts'] | null;
    original_invoice_id: string | null;
  };

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
      `select c.id, c.brand_id, c.vendor_id, c.status, ${CONTRACT_TERMS_SQL}, c.starts_at, c.ends_at, c.needs_settlement,
              -- The operator of the contract's world: a sandbox's money stays in its own book.
              (select id from organization where kind = 'OPERATOR'
                  and sandbox_id is not distinct from (select sandbox_id from organization where id = c.brand_id) order by id limit 1) as operator_id,
              l.sequence as last_sequence, l.amounts as last_amounts,
              (select invoice_id from settlement where contract_id = c.id and sequence = 1) as original_invoice_id,
              ${ACTUALS_SQL}
         from ${CONTRACT_WITH_SPIKE_SQL}
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

  const current = currentAmounts(c, policy);
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
  const account = (organizationId: string, kind: 'ORGANIZATION' | 'OPERATOR_FEES') => accounts.get(accountKey({ organizationId, currency: c.currency, kind }))!;
  const statement = settlementStatement({
    contractId,
    brandId: c.brand_id,
    vendorId: c.vendor_id,
    currency: c.currency,
    fromStatus: c.status,
    sequence,
    isAdjustment,
    originalInvoiceId: c.original_invoice_id,
    lines,
    netMinor: net,
    feeMinor: fee,
    cumulative: current,
    periodStart: new Date(c.starts_at),
    periodEnd: endsAt,
    now,
    accounts: {
      brand: account(c.brand_id, 'ORGANIZATION'),
      vendor: account(c.vendor_id, 'ORGANIZATION'),
      operatorFees: account(c.operator_id, 'OPERATOR_FEES'),
    },
  });
  await tem.execute(statement.sql, statement.params);
  return { kind: isAdjustment ? 'ADJUSTED' : 'SETTLED', contractId, sequence, invoiceId: statement.invoiceId };
}

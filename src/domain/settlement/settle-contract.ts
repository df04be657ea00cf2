import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ContractSchema, SettlementSchema, type Contract } from '../../persistence/entities.js';
import { effectiveActuals } from '../delivery/report-delivery.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { recordTransition } from '../shared/transitions.js';
import { accountId, operatorOrganizationId, postTransaction } from './ledger.js';
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

/** Settlement amounts as JSON (bigints as strings), stored with each settlement as the base for the next adjustment. */
export function amountsToJson(a: SettlementAmounts): Record<string, unknown> {
  return JSON.parse(JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v)));
}

export function amountsFromJson(json: unknown): SettlementAmounts {
  return JSON.parse(JSON.stringify(json), (_k, v) => (v && typeof v === 'object' && typeof v.$bigint === 'string' ? BigInt(v.$bigint) : v));
}

/** The contract's amounts as its actuals stand now. */
export async function currentAmounts(em: EntityManager, contract: Contract, policy: SettlementPolicy): Promise<SettlementAmounts> {
  const actuals = await effectiveActuals(em, contract);
  return computeSettlement(
    {
      currency: contract.currency, rateMinor: contract.rateMinor, intervalMinutes: contract.intervalMinutes as 15 | 30 | 60,
      awardedSeats: contract.seats.map((s) => ({ index: s.index, seats: s.seats })),
      targetPpm: Math.round(contract.serviceLevelTarget * 1_000_000),
      creditPerPointPpm: Math.round(contract.creditPerPoint * 1_000_000),
      creditCapPpm: Math.round(contract.creditCap * 1_000_000),
      feePpm: policy.feePpm,
    },
    [...actuals.entries()].map(([index, a]) => ({ index, staffedUnits: a.staffedUnits, achievedPpm: a.serviceLevelPpm })),
  );
}

/**
 * Settles a contract, exactly once in effect. Under a row lock on the contract it decides what
 * is owed: the first settlement (sequence 1) once the contract is due, or, when late actuals
 * flagged the contract, an adjustment (next sequence) that posts only the difference as a
 * credit or debit note. The invoice, its lines, the settlement row and the balanced ledger
 * transaction are written in the same transaction; the settlement's (contract, sequence) and
 * idempotency key are unique, so a duplicated job or a retry after a crash cannot post twice.
 */
export async function settleContract(em: EntityManager, clock: Clock, contractId: string, policy: SettlementPolicy, options: { force?: boolean } = {}): Promise<SettleOutcome> {
  return em.transactional(async (tem) => {
    const contract = await tem.findOne(ContractSchema, { id: contractId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!contract) return { kind: 'MISSING', contractId };
    const now = clock.now();
    const previous = await tem.find(SettlementSchema, { contractId }, { orderBy: { sequence: 'desc' }, limit: 1 });
    const last = previous[0];
    if (!last) {
      const dueAt = new Date(contract.endsAt.getTime() + policy.graceMs);
      if (!options.force && dueAt.getTime() > now.getTime()) return { kind: 'NOT_DUE', contractId, dueAt };
    } else if (!contract.needsSettlement) {
      return { kind: 'ALREADY_SETTLED', contractId };
    }

    const current = await currentAmounts(tem, contract, policy);
    const sequence = (last?.sequence ?? 0) + 1;
    const kind = last ? 'ADJUSTMENT' : 'INITIAL';
    let lines: SettlementLine[];
    let net: bigint;
    let fee: bigint;
    if (last) {
      const delta = settlementDelta(amountsFromJson(last.amounts), current);
      if (delta.netDeltaMinor === 0n && delta.feeDeltaMinor === 0n && delta.lines.length === 0) {
        contract.needsSettlement = false;
        await tem.flush();
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
    const invoiceKind = !last ? 'INVOICE' : net < 0n ? 'CREDIT_NOTE' : 'DEBIT_NOTE';
    const [original] = last ? await tem.execute<{ invoice_id: string }[]>('select invoice_id from settlement where contract_id = ? and sequence = 1', [contractId]) : [];
    await tem.execute(
      `insert into invoice (id, contract_id, brand_id, vendor_id, kind, original_invoice_id, status, currency, net_minor, fee_minor, vendor_payout_minor,
                            paid_minor, period_start, period_end, issued_at)
       values (?, ?, ?, ?, ?, ?, 'ISSUED', ?, ?, ?, ?, 0, ?, ?, ?)`,
      [invoiceId, contractId, contract.brandId, contract.vendorId, invoiceKind, original?.invoice_id ?? null, contract.currency,
        net.toString(), fee.toString(), (net - fee).toString(), contract.startsAt, contract.endsAt, now],
    );
    if (lines.length) {
      await tem.execute(
        `insert into invoice_line (id, invoice_id, position, kind, interval_index, billable_units, description, amount_minor) values ${lines.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        lines.flatMap((l, i) => [uuidv7(), invoiceId, i + 1, l.kind, l.index, l.billableUnits?.toString() ?? null, l.description, l.amountMinor.toString()]),
      );
    }
    if (original) await tem.execute(`update invoice set status = 'ADJUSTED' where id = ?`, [original.invoice_id]);

    const settlementId = uuidv7();
    const idempotencyKey = `settle:${contractId}:${sequence}`;
    tem.create(SettlementSchema, {
      id: settlementId, contractId, sequence, idempotencyKey, kind, invoiceId, netMinor: net, feeMinor: fee, amounts: amountsToJson(current), createdAt: now,
    });
    await tem.flush();

    const operatorId = await operatorOrganizationId(tem);
    const postings = settlementPostings({ netMinor: net, feeMinor: fee });
    await postTransaction(tem, {
      kind: last ? 'ADJUSTMENT' : 'SETTLEMENT', idempotencyKey, currency: contract.currency, invoiceId, settlementId,
      description: `${kind === 'INITIAL' ? 'Settlement' : `Adjustment ${sequence}`} of contract ${contractId}`, postedAt: now,
    }, [
      { accountId: await accountId(tem, contract.brandId, contract.currency, 'ORGANIZATION', now), amountMinor: postings.brand },
      { accountId: await accountId(tem, contract.vendorId, contract.currency, 'ORGANIZATION', now), amountMinor: postings.vendor },
      { accountId: await accountId(tem, operatorId, contract.currency, 'OPERATOR_FEES', now), amountMinor: postings.operatorFees },
    ]);

    const to = last ? 'ADJUSTED' : 'SETTLED';
    recordTransition(tem, 'Contract', contract.id, contract.status, to, null, now);
    contract.status = to;
    contract.needsSettlement = false;
    await tem.flush();
    return { kind: last ? 'ADJUSTED' : 'SETTLED', contractId, sequence, invoiceId };
  });
}

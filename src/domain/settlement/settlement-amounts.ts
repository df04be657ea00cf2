/**
 * A contract's settlement amounts as settlement stores and recomputes them: the policy, the
 * amounts for a set of actuals (settlement-math.ts on the contract's terms), and their JSON form,
 * kept with each settlement as the base of the next adjustment. Used by `settleContracts` and by
 * the accruals report, which must agree to the cent.
 */
import type { Contract, ContractSchema } from '../../persistence/entities/contracts.js';
import type { RowOf } from '../../persistence/rows.js';
import { effectiveActuals, type ActualsFactsRow } from '../delivery/delivery-facts.js';
import type { ActualsRow } from '../delivery/effective-actuals.js';
import { computeSettlement, type SettlementAmounts } from './settlement-math.js';

export interface SettlementPolicy {
  /** Marketplace fee in parts per million of the net (default 20,000 = 2%). */
  feePpm: number;
  /** Time after a contract's last interval before it settles by itself. */
  graceMs: number;
}

export const DEFAULT_POLICY: SettlementPolicy = { feePpm: 20_000, graceMs: 2 * 3_600_000 };

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

/** A contract's settlement terms as a raw row (see CONTRACT_TERMS_SQL). */
export type ContractTermsRow = Pick<
  RowOf<typeof ContractSchema>,
  'currency' | 'rate_minor' | 'interval_minutes' | 'seats' | 'service_level_target' | 'credit_per_point' | 'credit_cap'
>;

/** Columns of a ContractTermsRow, for a query over contract `c`. */
export const CONTRACT_TERMS_SQL =
  'c.currency, c.rate_minor::text as rate_minor, c.interval_minutes, c.seats, c.service_level_target, c.credit_per_point, c.credit_cap';

/** The amounts of a contract row for the actuals that count so far (delivery-facts.ts). */
export function currentAmounts(row: ContractTermsRow & ActualsFactsRow, policy: SettlementPolicy): SettlementAmounts {
  return amountsFor(
    {
      currency: row.currency,
      rateMinor: BigInt(row.rate_minor),
      intervalMinutes: row.interval_minutes,
      seats: row.seats,
      serviceLevelTarget: row.service_level_target,
      creditPerPoint: row.credit_per_point,
      creditCap: row.credit_cap,
    },
    effectiveActuals(row),
    policy,
  );
}

/**
 * Settlement arithmetic (PRODUCT.md 7) as pure functions: invoice lines, fee, payout, the
 * ledger postings, and the difference an adjustment posts. No database, no I/O.
 *
 * Units, all integers:
 * - seat-hours in ten-thousandths (`UNITS_PER_SEAT_HOUR` units = 1 seat-hour, delivery/seat-hours.ts);
 * - money in the currency's own minor units (bigint), rates per seat-hour;
 * - service levels, credit rates, cap and fee rate in parts per million.
 *
 * Every amount is exact until the line is built, then rounded once, half to even
 * (`roundHalfEven`). Totals are sums of rounded lines. See docs/settlement.md "Arithmetic".
 */
import { UNITS_PER_SEAT_HOUR } from '../delivery/seat-hours.js';
import { currencyExponent, formatDecimal, money } from '../shared/money.js';
import { formatScaled, ratio, roundHalfEven, type Ratio } from './rounding.js';

export const PPM = 1_000_000n;
/** One percentage point of service level, in ppm. */
export const PPM_PER_POINT = 10_000n;
export const DEFAULT_CREDIT_PER_POINT_PPM = 10_000;
export const DEFAULT_CREDIT_CAP_PPM = 100_000;
export const DEFAULT_FEE_PPM = 20_000;

export interface IntervalActual {
  index: number;
  /** Staffed seat-hours in ten-thousandths of a seat-hour. */
  staffedUnits: bigint;
  /** Service level achieved in ppm; null = not measured, so no credit. */
  achievedPpm: number | null;
}

export interface SettlementTerms {
  /** ISO 4217 code; amounts and `rateMinor` are in its minor units. */
  currency: string;
  /** Minor units per seat-hour. */
  rateMinor: bigint;
  intervalMinutes: 15 | 30 | 60;
  awardedSeats: { index: number; seats: number }[];
  targetPpm: number;
  /** Credit, in ppm of the base, per point (10,000 ppm) of service level below target. */
  creditPerPointPpm: number;
  /** Largest credit, in ppm of the base. */
  creditCapPpm: number;
  /** Marketplace fee, in ppm of the net. */
  feePpm: number;
}

export type LineKind = 'BASE' | 'CREDIT' | 'FEE';

export interface SettlementLine {
  kind: LineKind;
  /** Interval index; null for FEE. */
  index: number | null;
  /** Billable seat-hours in ten-thousandths (BASE and CREDIT); null for FEE. */
  billableUnits: bigint | null;
  /** CREDIT only: the exact credit rate in ppm of the base (may be fractional). */
  creditPpm: Ratio | null;
  /** BASE positive, CREDIT negative (or 0), FEE positive (owed by the vendor). */
  amountMinor: bigint;
  description: string;
}

export interface SettlementAmounts {
  currency: string;
  /** BASE and CREDIT lines in interval order (BASE before CREDIT), then the FEE line. */
  lines: SettlementLine[];
  baseMinor: bigint;
  /** Negative or 0. */
  creditMinor: bigint;
  /** base + credit: what the brand owes. */
  netMinor: bigint;
  feeMinor: bigint;
  /** net − fee. */
  vendorPayoutMinor: bigint;
}

export interface AdjustmentDelta {
  currency: string;
  /** current − previous per line (matched by kind and index), only the non-zero ones. */
  lines: SettlementLine[];
  baseDeltaMinor: bigint;
  creditDeltaMinor: bigint;
  netDeltaMinor: bigint;
  feeDeltaMinor: bigint;
  vendorPayoutDeltaMinor: bigint;
}

function requireInt(value: number, min: number, max: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

const MAX_PPM = Number(PPM);

function validateTerms(terms: SettlementTerms): Map<number, number> {
  currencyExponent(terms.currency); // RangeError for an unknown code
  if (typeof terms.rateMinor !== 'bigint' || terms.rateMinor < 0n) throw new RangeError('rateMinor must be a bigint ≥ 0');
  if (![15, 30, 60].includes(terms.intervalMinutes)) throw new RangeError(`intervalMinutes must be 15, 30 or 60, got ${String(terms.intervalMinutes)}`);
  requireInt(terms.targetPpm, 0, MAX_PPM, 'targetPpm');
  requireInt(terms.creditPerPointPpm, 0, MAX_PPM, 'creditPerPointPpm');
  requireInt(terms.creditCapPpm, 0, MAX_PPM, 'creditCapPpm');
  requireInt(terms.feePpm, 0, MAX_PPM, 'feePpm');
  const seats = new Map<number, number>();
  for (const a of terms.awardedSeats) {
    requireInt(a.index, 0, Number.MAX_SAFE_INTEGER, 'awardedSeats index');
    requireInt(a.seats, 0, Number.MAX_SAFE_INTEGER, `awardedSeats[${a.index}].seats`);
    if (seats.has(a.index)) throw new RangeError(`Duplicate awarded interval ${a.index}`);
    seats.set(a.index, a.seats);
  }
  return seats;
}

/** Awarded seat-hours of one interval in units: seats × minutes × 10,000 / 60, exact for 15/30/60. */
export function awardedUnits(seats: number, intervalMinutes: 15 | 30 | 60): bigint {
  return (BigInt(seats) * BigInt(intervalMinutes) * UNITS_PER_SEAT_HOUR) / 60n;
}

/**
 * The exact credit rate in ppm of the base: min(cap, (target − achieved) × perPoint / 10,000),
 * or null when there is no credit (not measured, at or above target, or a zero rate or cap).
 */
export function creditRatePpm(targetPpm: number, achievedPpm: number | null, creditPerPointPpm: number, creditCapPpm: number): Ratio | null {
  if (achievedPpm === null || achievedPpm >= targetPpm) return null;
  const uncapped = ratio(BigInt(targetPpm - achievedPpm) * BigInt(creditPerPointPpm), PPM_PER_POINT);
  const cap = BigInt(creditCapPpm);
  const rate = uncapped.numerator >= cap * uncapped.denominator ? ratio(cap, 1n) : uncapped;
  return rate.numerator === 0n ? null : rate;
}

/** A ppm value as a percentage for descriptions: 55,000 → "5.5%"; inexact values get "≈". */
function percent(ppm: Ratio | number): string {
  const r = typeof ppm === 'number' ? ratio(BigInt(ppm), 1n) : ppm;
  // Percent = ppm / 10^4; show up to 6 decimals of a percent (hundredths of a ppm).
  const hundredthsOfPpm = roundHalfEven(r.numerator * 100n, r.denominator);
  const exact = hundredthsOfPpm * r.denominator === r.numerator * 100n;
  return `${exact ? '' : '≈'}${formatScaled(hundredthsOfPpm, 6)}%`;
}

const seatHours = (units: bigint): string => formatScaled(units, 4);

/**
 * The invoice of one contract: a BASE line per interval with actuals, a CREDIT line where the
 * service level is below target, and the FEE line; with totals (sums of the rounded lines).
 * Intervals without actuals have no line. Throws RangeError on invalid input.
 */
export function computeSettlement(terms: SettlementTerms, actuals: IntervalActual[]): SettlementAmounts {
  const seatsByIndex = validateTerms(terms);
  const { currency, rateMinor } = terms;
  const fmt = (minor: bigint): string => `${formatDecimal(money(minor, currency))} ${currency}`;
  const seen = new Set<number>();
  for (const a of actuals) {
    requireInt(a.index, 0, Number.MAX_SAFE_INTEGER, 'actual index');
    if (!seatsByIndex.has(a.index)) throw new RangeError(`Actual for unknown interval ${a.index}`);
    if (seen.has(a.index)) throw new RangeError(`Duplicate actual for interval ${a.index}`);
    seen.add(a.index);
    if (typeof a.staffedUnits !== 'bigint' || a.staffedUnits < 0n) throw new RangeError(`staffedUnits of interval ${a.index} must be a bigint ≥ 0`);
    if (a.achievedPpm !== null) requireInt(a.achievedPpm, 0, MAX_PPM, `achievedPpm of interval ${a.index}`);
  }

  const lines: SettlementLine[] = [];
  let baseMinor = 0n;
  let creditMinor = 0n;
  for (const a of [...actuals].sort((x, y) => x.index - y.index)) {
    const awarded = awardedUnits(seatsByIndex.get(a.index) ?? 0, terms.intervalMinutes);
    const billable = a.staffedUnits < awarded ? a.staffedUnits : awarded;
    // Exact base = billable × rate / UNITS_PER_SEAT_HOUR.
    const baseNumerator = billable * rateMinor;
    const base = roundHalfEven(baseNumerator, UNITS_PER_SEAT_HOUR);
    const staffedNote =
      a.staffedUnits === awarded
        ? ''
        : a.staffedUnits > awarded
          ? `, staffed ${seatHours(a.staffedUnits)}, capped at awarded`
          : `, awarded ${seatHours(awarded)}`;
    lines.push({
      kind: 'BASE',
      index: a.index,
      billableUnits: billable,
      creditPpm: null,
      amountMinor: base,
      description: `Interval ${a.index}: ${seatHours(billable)} seat-hours × ${fmt(rateMinor)}/seat-hour${staffedNote}`,
    });
    baseMinor += base;

    const rate = creditRatePpm(terms.targetPpm, a.achievedPpm, terms.creditPerPointPpm, terms.creditCapPpm);
    if (rate !== null && a.achievedPpm !== null) {
      // From the exact base, not the rounded one: base × rate / (ppm · units).
      const credit = -roundHalfEven(baseNumerator * rate.numerator, UNITS_PER_SEAT_HOUR * PPM * rate.denominator);
      lines.push({
        kind: 'CREDIT',
        index: a.index,
        billableUnits: billable,
        creditPpm: rate,
        amountMinor: credit,
        description: `Interval ${a.index}: service credit ${percent(rate)} of base (service level ${percent(a.achievedPpm)} against target ${percent(terms.targetPpm)})`,
      });
      creditMinor += credit;
    }
  }

  const netMinor = baseMinor + creditMinor;
  const feeMinor = roundHalfEven(netMinor * BigInt(terms.feePpm), PPM);
  lines.push({
    kind: 'FEE',
    index: null,
    billableUnits: null,
    creditPpm: null,
    amountMinor: feeMinor,
    description: `Marketplace fee ${percent(terms.feePpm)} of net ${fmt(netMinor)}, owed by the vendor`,
  });
  return { currency, lines, baseMinor, creditMinor, netMinor, feeMinor, vendorPayoutMinor: netMinor - feeMinor };
}

const KIND_ORDER: Record<LineKind, number> = { BASE: 0, CREDIT: 1, FEE: 2 };
const KIND_LABEL: Record<LineKind, string> = { BASE: 'base', CREDIT: 'service credit', FEE: 'marketplace fee' };
const lineKey = (l: { kind: LineKind; index: number | null }): string => `${l.kind}:${l.index ?? '-'}`;

function linesByKey(lines: SettlementLine[], which: string): Map<string, SettlementLine> {
  const map = new Map<string, SettlementLine>();
  for (const l of lines) {
    const key = lineKey(l);
    if (map.has(key)) throw new RangeError(`Duplicate ${which} line ${key}`);
    map.set(key, l);
  }
  return map;
}

/**
 * What an adjustment posts: current minus previous, line by line (matched by kind and index;
 * a line missing on one side counts as 0), keeping only non-zero differences. The fee delta is
 * the difference of the two rounded fees, not a fee on the net delta, so previous + delta is
 * exactly current, however many adjustments follow one another.
 */
export function settlementDelta(previous: SettlementAmounts, current: SettlementAmounts): AdjustmentDelta {
  if (previous.currency !== current.currency) throw new RangeError(`Currency changed from ${previous.currency} to ${current.currency}`);
  const currency = current.currency;
  const before = linesByKey(previous.lines, 'previous');
  const after = linesByKey(current.lines, 'current');
  const keyed = [...new Map([...before, ...after].map(([key, l]) => [key, { kind: l.kind, index: l.index }]))];
  keyed.sort(([, x], [, y]) => (x.index ?? Infinity) - (y.index ?? Infinity) || KIND_ORDER[x.kind] - KIND_ORDER[y.kind]);

  const fmt = (minor: bigint): string => formatDecimal(money(minor, currency));
  const lines: SettlementLine[] = [];
  for (const [key, { kind, index }] of keyed) {
    const p = before.get(key);
    const c = after.get(key);
    const was = p?.amountMinor ?? 0n;
    const now = c?.amountMinor ?? 0n;
    if (now === was) continue;
    const hasUnits = p?.billableUnits != null || c?.billableUnits != null;
    lines.push({
      kind,
      index,
      billableUnits: hasUnits ? (c?.billableUnits ?? 0n) - (p?.billableUnits ?? 0n) : null,
      creditPpm: c?.creditPpm ?? null,
      amountMinor: now - was,
      description: `${index === null ? 'Marketplace fee' : `Interval ${index} ${KIND_LABEL[kind]}`}: adjusted from ${fmt(was)} to ${fmt(now)} ${currency}`,
    });
  }
  const netDeltaMinor = current.netMinor - previous.netMinor;
  const feeDeltaMinor = current.feeMinor - previous.feeMinor;
  return {
    currency,
    lines,
    baseDeltaMinor: current.baseMinor - previous.baseMinor,
    creditDeltaMinor: current.creditMinor - previous.creditMinor,
    netDeltaMinor,
    feeDeltaMinor,
    vendorPayoutDeltaMinor: netDeltaMinor - feeDeltaMinor,
  };
}

/**
 * The three ledger postings of a settlement or adjustment: brand debit (+net), vendor credit
 * (−(net−fee)), operator fee credit (−fee). Sum is zero. Sign convention: positive = debit.
 * For an adjustment pass the deltas (see `adjustmentPostings`); signs then flip as needed.
 */
export function settlementPostings(amounts: { netMinor: bigint; feeMinor: bigint }): { brand: bigint; vendor: bigint; operatorFees: bigint } {
  return { brand: amounts.netMinor, vendor: -(amounts.netMinor - amounts.feeMinor), operatorFees: -amounts.feeMinor };
}

/** The postings of an adjustment: `settlementPostings` of the net and fee deltas. */
export function adjustmentPostings(delta: AdjustmentDelta): { brand: bigint; vendor: bigint; operatorFees: bigint } {
  return settlementPostings({ netMinor: delta.netDeltaMinor, feeMinor: delta.feeDeltaMinor });
}

import type { StoredInterval } from '../../persistence/entities/demand.js';
import { hasAtMostDecimals } from '../shared/decimals.js';
import { isCurrency } from '../shared/money.js';
import { fail, ok, type Result } from '../shared/result.js';
import { requiredStaffing, type Channel } from './erlang-c.js';

export const MAX_INTERVALS = 672; // a week of 15-minute intervals
export const MAX_SEATS_PER_INTERVAL = 10_000;
export const MAX_CONTACTS_PER_INTERVAL = 1_000_000;
export const MAX_RATE_MINOR = 1_000_000_000n; // 10 million major units per seat-hour: far beyond any real rate

export interface IntervalInput {
  startsAt: Date;
  seats?: number | null;
  forecastContacts?: number | null;
  ahtSeconds?: number | null;
}

export interface SpikeTermsInput {
  channel: Channel;
  timeZone: string;
  intervalMinutes: number;
  intervals: IntervalInput[];
  serviceLevelTarget: number;
  serviceLevelSeconds: number;
  maxOccupancy: number;
  shrinkage: number;
  chatConcurrency: number;
  reserveRateMinor: bigint;
  currency: string;
  biddingClosesAt: Date;
}

/**
 * The decimal terms of a spike and the decimals each may carry. Every fraction is used to parts
 * per million: settlement reads the contract's service-level target in ppm (so Erlang C must size
 * seats for that same target, not a finer one), and the vendor-share cap's 1e-9 guard is exact for
 * shares in ppm of up to 10,000 seats. The quality-score floor is on a 0-100 scale, so four
 * decimals are the same millionth of its range.
 */
export const SPIKE_TERM_DECIMALS = { serviceLevelTarget: 6, maxOccupancy: 6, shrinkage: 6, maxVendorShare: 6, qualityWeight: 6, minQualityScore: 4 } as const;

/** A ValidationError naming the first term with more decimals than it is used with, or null. */
export function overPreciseTerm(terms: { [K in keyof typeof SPIKE_TERM_DECIMALS]?: number | null }): Result<never> | null {
  for (const [name, decimals] of Object.entries(SPIKE_TERM_DECIMALS)) {
    const value = terms[name as keyof typeof SPIKE_TERM_DECIMALS];
    if (value != null && !hasAtMostDecimals(value, decimals)) {
      return fail(
        'VALIDATION',
        `${name} has at most ${decimals} decimals (it is used to ${decimals === 6 ? 'parts per million' : 'ten-thousandths of a point'})`,
        `input.${name}`,
      );
    }
  }
  return null;
}

/** Minutes east of UTC of `zone` at `at`, from the tz database in Intl. */
export function utcOffsetMinutes(zone: string, at: Date): number {
  const part =
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/**
 * Validates a spike's terms and derives each interval's required seats: given directly, or from
 * forecast contacts and AHT with Erlang C. Intervals must start on a boundary of the interval
 * length in the spike's own time zone, follow each other without overlap, and start no earlier
 * than the bidding close. Field paths name the offending input.
 */
export function deriveIntervals(t: SpikeTermsInput): Result<StoredInterval[]> {
  if (!isCurrency(t.currency)) return fail('VALIDATION', `Unknown ISO 4217 currency "${t.currency}"`, 'input.currency');
  if (!isTimeZone(t.timeZone)) return fail('VALIDATION', `Unknown IANA time zone "${t.timeZone}"`, 'input.timeZone');
  if (![15, 30, 60].includes(t.intervalMinutes)) return fail('VALIDATION', 'Interval length must be 15, 30 or 60 minutes', 'input.intervalMinutes');
  if (t.reserveRateMinor <= 0n || t.reserveRateMinor > MAX_RATE_MINOR) {
    return fail('VALIDATION', `Reserve rate must be between 1 and ${MAX_RATE_MINOR} minor units`, 'input.reserveRate.amountMinor');
  }
  return deriveIntervalSeats(t, t.biddingClosesAt);
}

/** The terms the seats of a spike's intervals depend on: what `previewStaffing` takes. */
export type StaffingTermsInput = Omit<SpikeTermsInput, 'reserveRateMinor' | 'currency' | 'biddingClosesAt'>;

/**
 * The interval rules and the seat derivation of `deriveIntervals`, without the commercial terms:
 * the one derivation shared by posting a spike and previewing its staffing. Intervals start no
 * earlier than `notBefore` when it is given (the bidding close).
 */
export function deriveIntervalSeats(t: StaffingTermsInput, notBefore: Date | null): Result<StoredInterval[]> {
  if (!isTimeZone(t.timeZone)) return fail('VALIDATION', `Unknown IANA time zone "${t.timeZone}"`, 'input.timeZone');
  if (![15, 30, 60].includes(t.intervalMinutes)) return fail('VALIDATION', 'Interval length must be 15, 30 or 60 minutes', 'input.intervalMinutes');
  if (t.intervals.length === 0 || t.intervals.length > MAX_INTERVALS) {
    return fail('VALIDATION', `A spike has 1 to ${MAX_INTERVALS} intervals, got ${t.intervals.length}`, 'input.intervals');
  }
  const lengthMs = t.intervalMinutes * 60_000;
  const out: StoredInterval[] = [];
  let previousStart = -Infinity;
  for (const [i, iv] of t.intervals.entries()) {
    const field = `input.intervals[${i}]`;
    const start = iv.startsAt.getTime();
    const localMinutes = Math.round(start / 60_000) + utcOffsetMinutes(t.timeZone, iv.startsAt);
    if (start % 60_000 !== 0 || ((localMinutes % t.intervalMinutes) + t.intervalMinutes) % t.intervalMinutes !== 0) {
      return fail('VALIDATION', `Interval must start on a ${t.intervalMinutes}-minute boundary in ${t.timeZone}`, `${field}.startsAt`);
    }
    if (start < previousStart + lengthMs) return fail('VALIDATION', 'Intervals must be in order and must not overlap', `${field}.startsAt`);
    if (notBefore && start < notBefore.getTime()) return fail('VALIDATION', 'Intervals cannot start before bidding closes', `${field}.startsAt`);
    previousStart = start;

    const hasSeats = iv.seats != null;
    const hasForecast = iv.forecastContacts != null || iv.ahtSeconds != null;
    if (hasSeats === hasForecast) return fail('VALIDATION', 'Give either seats, or forecastContacts with ahtSeconds', field);
    if (hasSeats) {
      const seats = iv.seats!;
      if (!Number.isInteger(seats) || seats < 0 || seats > MAX_SEATS_PER_INTERVAL) {
        return fail('VALIDATION', `Seats must be an integer from 0 to ${MAX_SEATS_PER_INTERVAL}`, `${field}.seats`);
      }
      out.push({
        index: i,
        startsAt: iv.startsAt.toISOString(),
        requiredSeats: seats,
        forecastContacts: null,
        ahtSeconds: null,
        trafficErlangs: null,
        agents: null,
        serviceLevelAtRequired: null,
      });
      continue;
    }
    const contacts = iv.forecastContacts;
    const aht = iv.ahtSeconds;
    if (contacts == null || !Number.isInteger(contacts) || contacts < 0 || contacts > MAX_CONTACTS_PER_INTERVAL) {
      return fail('VALIDATION', `forecastContacts must be an integer from 0 to ${MAX_CONTACTS_PER_INTERVAL}`, `${field}.forecastContacts`);
    }
    if (aht == null || !Number.isInteger(aht) || aht < 1 || aht > 86_400) {
      return fail('VALIDATION', 'ahtSeconds must be an integer from 1 to 86400', `${field}.ahtSeconds`);
    }
    const staffing = requiredStaffing({
      channel: t.channel,
      contacts,
      ahtSeconds: aht,
      intervalSeconds: t.intervalMinutes * 60,
      serviceLevelTarget: t.serviceLevelTarget,
      serviceLevelSeconds: t.serviceLevelSeconds,
      maxOccupancy: t.maxOccupancy,
      shrinkage: t.shrinkage,
      chatConcurrency: t.chatConcurrency,
    });
    if (staffing.seats > MAX_SEATS_PER_INTERVAL) {
      return fail('VALIDATION', `The forecast needs ${staffing.seats} seats; at most ${MAX_SEATS_PER_INTERVAL} per interval`, `${field}.forecastContacts`);
    }
    out.push({
      index: i,
      startsAt: iv.startsAt.toISOString(),
      requiredSeats: staffing.seats,
      forecastContacts: contacts,
      ahtSeconds: aht,
      trafficErlangs: staffing.trafficErlangs,
      agents: staffing.agents,
      serviceLevelAtRequired: staffing.serviceLevel,
    });
  }
  return ok(out);
}

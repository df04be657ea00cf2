/**
 * The routing plan: per interval, the share of traffic each vendor should get, proportional to
 * its awarded seats. Shares are integer basis points split by largest remainder, so every
 * interval with awards sums to exactly 10,000 (100%); ties in the remainder go to the vendor
 * id that sorts first, so the plan is deterministic.
 *
 * Every vendor with seats gets at least 1 basis point (0.01 %), even below 1/10,000 of the
 * interval's seats: an ACD given 0 % would leave its agents idle while the brand pays for them.
 * Those points come first from the rounding, then from the shares furthest above their exact
 * value; a share is off its exact value by less than 1 point plus the number of such vendors.
 */
import { csvCell } from '../shared/csv.js';

export interface RoutingShare {
  vendorId: string;
  seats: number;
  basisPoints: number;
}

export interface RoutingInterval {
  index: number;
  startsAt: string;
  shares: RoutingShare[];
}

export function routingPlan(
  intervals: readonly { index: number; startsAt: string }[],
  awards: readonly { vendorId: string; index: number; seats: number }[],
): RoutingInterval[] {
  return intervals.map(({ index, startsAt }) => {
    const seatsByVendor = new Map<string, number>();
    for (const a of awards) if (a.index === index) seatsByVendor.set(a.vendorId, (seatsByVendor.get(a.vendorId) ?? 0) + a.seats);
    const total = [...seatsByVendor.values()].reduce((s, n) => s + n, 0);
    if (total === 0) return { index, startsAt, shares: [] };
    const parts = [...seatsByVendor.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([vendorId, seats]) => ({ vendorId, seats, floor: Math.floor((seats * 10_000) / total), remainder: (seats * 10_000) % total }));
    // Vendors below one basis point get it first; then the largest remainders get what is left.
    for (const p of parts) if (p.floor === 0) p.floor = 1;
    let left = 10_000 - parts.reduce((s, p) => s + p.floor, 0);
    for (const p of [...parts].sort((a, b) => b.remainder - a.remainder)) {
      if (left <= 0) break;
      if (p.floor * total > p.seats * 10_000) continue; // already rounded up to its minimum
      p.floor += 1;
      left -= 1;
    }
    // More minimums than remainders could pay for: take the points back, one at a time, from the
    // share furthest above (or least below) its exact value, among those above the minimum.
    const excess = (p: (typeof parts)[number]) => p.floor * total - p.seats * 10_000;
    // No giver is left only with more than 10,000 vendors in one interval (the sum then exceeds 100 %).
    for (let givers = parts.filter((p) => p.floor > 1); left < 0 && givers.length; givers = givers.filter((p) => p.floor > 1)) {
      const giver = givers.reduce((a, b) => (excess(b) > excess(a) ? b : a));
      giver.floor -= 1;
      left += 1;
    }
    return { index, startsAt, shares: parts.map((p) => ({ vendorId: p.vendorId, seats: p.seats, basisPoints: p.floor })) };
  });
}

/** CSV for loading into an ACD: one row per interval and vendor. */
export function routingPlanCsv(plan: RoutingInterval[], intervalMinutes: number, vendorNames: ReadonlyMap<string, string>): string {
  const lines = ['interval_index,interval_start,interval_end,vendor_id,vendor_name,seats,share_percent'];
  for (const i of plan) {
    const end = new Date(Date.parse(i.startsAt) + intervalMinutes * 60_000).toISOString();
    for (const s of i.shares) {
      const percent = `${Math.floor(s.basisPoints / 100)}.${String(s.basisPoints % 100).padStart(2, '0')}`;
      lines.push([String(i.index), i.startsAt, end, s.vendorId, csvCell(vendorNames.get(s.vendorId) ?? ''), String(s.seats), percent].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

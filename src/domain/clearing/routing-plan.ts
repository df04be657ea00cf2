/**
 * The routing plan: per interval, the share of traffic each vendor should get, proportional to
 * its awarded seats. Shares are integer basis points split by largest remainder, so every
 * interval with awards sums to exactly 10,000 (100%); ties in the remainder go to the vendor
 * id that sorts first, so the plan is deterministic.
 */
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
    let left = 10_000 - parts.reduce((s, p) => s + p.floor, 0);
    for (const p of [...parts].sort((a, b) => b.remainder - a.remainder)) {
      if (left === 0) break;
      p.floor += 1;
      left -= 1;
    }
    return { index, startsAt, shares: parts.map((p) => ({ vendorId: p.vendorId, seats: p.seats, basisPoints: p.floor })) };
  });
}

/** CSV for loading into an ACD: one row per interval and vendor. */
export function routingPlanCsv(plan: RoutingInterval[], intervalMinutes: number, vendorNames: ReadonlyMap<string, string>): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['interval_index,interval_start,interval_end,vendor_id,vendor_name,seats,share_percent'];
  for (const i of plan) {
    const end = new Date(Date.parse(i.startsAt) + intervalMinutes * 60_000).toISOString();
    for (const s of i.shares) {
      const percent = `${Math.floor(s.basisPoints / 100)}.${String(s.basisPoints % 100).padStart(2, '0')}`;
      lines.push([String(i.index), i.startsAt, end, s.vendorId, quote(vendorNames.get(s.vendorId) ?? ''), String(s.seats), percent].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The clearing's CSV downloads (GET /exports/routing-plan/:spikeId.csv and /exports/awards/:spikeId.csv):
 * ids and names on every line, money as decimals with its currency. Pure: the HTTP route reads
 * through the same queries as the GraphQL fields and hands the rows here.
 */
import { formatDecimal } from '../shared/money.js';
import { toCsv } from '../shared/csv.js';
import type { RoutingPlanView } from './clearing-queries.js';

const intervalEnd = (startsAt: string, minutes: number) => new Date(Date.parse(startsAt) + minutes * 60_000).toISOString();
const percent = (basisPoints: number) => `${Math.floor(basisPoints / 100)}.${String(basisPoints % 100).padStart(2, '0')}`;

/** One line per interval and vendor: the shares an ACD routes by. It carries no money, so no currency. */
export function routingPlanDownloadCsv(plan: RoutingPlanView): string {
  const { spike } = plan;
  const rows: (string | number)[][] = [
    ['spike_id', 'spike_title', 'interval_index', 'interval_start', 'interval_end', 'vendor_id', 'vendor_name', 'seats', 'share_percent'],
  ];
  for (const i of plan.intervals)
    for (const s of i.shares)
      rows.push([
        spike.id,
        spike.title,
        i.index,
        i.startsAt,
        intervalEnd(i.startsAt, spike.intervalMinutes),
        s.vendorId,
        plan.vendorNames.get(s.vendorId) ?? '',
        s.seats,
        percent(s.basisPoints),
      ]);
  return toCsv(rows);
}

export interface AwardRow {
  intervalIndex: number;
  bidId: string;
  vendorId: string;
  seats: number;
}

/** What the awards download needs besides the award lines: the spike, vendor names, and each awarded bid's contract. */
export interface AwardsCsvInput {
  spike: { id: string; title: string; intervalMinutes: number; intervals: readonly { index: number; startsAt: string }[] };
  awards: readonly AwardRow[];
  vendorNames: ReadonlyMap<string, string>;
  contractsByBid: ReadonlyMap<string, { id: string; rateMinor: bigint; currency: string }>;
}

/** One line per award (interval and bid): seats, the rate per seat-hour the contract pays, its currency. */
export function awardsCsv(input: AwardsCsvInput): string {
  const starts = new Map(input.spike.intervals.map((i) => [i.index, i.startsAt]));
  const rows: (string | number)[][] = [
    [
      'spike_id',
      'spike_title',
      'interval_index',
      'interval_start',
      'interval_end',
      'vendor_id',
      'vendor_name',
      'bid_id',
      'contract_id',
      'seats',
      'rate_per_seat_hour',
      'currency',
    ],
  ];
  for (const a of input.awards) {
    const startsAt = starts.get(a.intervalIndex) ?? '';
    const contract = input.contractsByBid.get(a.bidId);
    rows.push([
      input.spike.id,
      input.spike.title,
      a.intervalIndex,
      startsAt,
      startsAt && intervalEnd(startsAt, input.spike.intervalMinutes),
      a.vendorId,
      input.vendorNames.get(a.vendorId) ?? '',
      a.bidId,
      contract?.id ?? '',
      a.seats,
      contract ? formatDecimal({ amountMinor: contract.rateMinor, currency: contract.currency }) : '',
      contract?.currency ?? '',
    ]);
  }
  return toCsv(rows);
}

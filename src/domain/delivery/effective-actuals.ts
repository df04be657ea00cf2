/**
 * Which reported actuals count for an interval (PRODUCT.md section 6): the one rule, shared by
 * settlement (what is billed) and quality (what is scored). Pure; the rows come from the loader
 * in delivery-facts.ts.
 */
import type { DeliveryReportSchema } from '../../persistence/entities/delivery.js';
import type { RowOf } from '../../persistence/rows.js';

/** The actuals that count for one interval. */
export interface ActualsRow {
  /** Staffed seat-hours in units (seat-hours.ts). */
  staffedUnits: bigint;
  serviceLevelPpm: number | null;
  contactsHandled: number;
  source: 'VENDOR' | 'BRAND';
}

/** One stored report as the loader hands it over (the units, a bigint, travel as a decimal string). */
export type ReportRow = Pick<RowOf<typeof DeliveryReportSchema>, 'interval_index' | 'source' | 'staffed_units' | 'service_level_ppm' | 'contacts_handled'>;

/**
 * The actuals that count for each interval: under ENTERPRISE_ROUTED and VIRTUALIZED the brand's
 * platform sees the agents, so the brand's report wins where both exist; under NETWORK_DELIVERED
 * the vendor's report wins. Either source alone counts.
 */
export function pickEffectiveActuals(rows: readonly ReportRow[], outsourcingModel: string): Map<number, ActualsRow> {
  const preferred = outsourcingModel === 'NETWORK_DELIVERED' ? 'VENDOR' : 'BRAND';
  const out = new Map<number, ActualsRow>();
  for (const r of rows) {
    const existing = out.get(r.interval_index);
    if (existing && existing.source === preferred) continue;
    out.set(r.interval_index, {
      staffedUnits: BigInt(r.staffed_units),
      serviceLevelPpm: r.service_level_ppm,
      contactsHandled: r.contacts_handled,
      source: r.source,
    });
  }
  return out;
}

/** Which reported actuals count for an interval (PRODUCT.md section 6), shared by settlement and quality. */

export interface ActualsRow {
  staffedUnits: bigint;
  serviceLevelPpm: number | null;
  contactsHandled: number;
  source: 'VENDOR' | 'BRAND';
}

export interface ReportRow {
  interval_index: number;
  source: 'VENDOR' | 'BRAND';
  staffed_units: string;
  service_level_ppm: number | null;
  contacts_handled: number;
}

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

/** SQL for a contract's reports as a JSON array of ReportRow (correlated on `c.id`). */
export const REPORTS_JSON_SQL = `(select coalesce(json_agg(json_build_object('interval_index', r.interval_index, 'source', r.source,
  'staffed_units', r.staffed_units::text, 'service_level_ppm', r.service_level_ppm, 'contacts_handled', r.contacts_handled)), '[]'::json)
  from delivery_report r where r.contract_id = c.id)`;

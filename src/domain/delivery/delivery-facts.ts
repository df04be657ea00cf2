/**
 * The delivery context's one door to a contract's actuals, for settlement (what is billed) and
 * quality (what is scored). Callers embed its SQL in their own statement over
 * `CONTRACT_WITH_SPIKE_SQL`, so a settlement still reads a contract and its actuals in one round
 * trip, and turn the row into the actuals that count with the functions below: nobody else reads
 * `delivery_report` or applies the effective-actuals rule.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DemandSpikeSchema } from '../../persistence/entities/demand.js';
import type { RowOf } from '../../persistence/rows.js';
import { pgArray } from '../shared/sql.js';
import { contactCapacity } from './contact-capacity.js';
import { pickEffectiveActuals, type ActualsRow, type ReportRow } from './effective-actuals.js';

/** The FROM clause the fragments below expect: a contract `c` with its spike `s`. */
export const CONTRACT_WITH_SPIKE_SQL = 'contract c join demand_spike s on s.id = c.spike_id';

/** A contract's reports as a JSON array of ReportRow (correlated on `c.id`). */
const REPORTS_JSON_SQL = `(select coalesce(json_agg(json_build_object('interval_index', r.interval_index, 'source', r.source,
  'staffed_units', r.staffed_units::text, 'service_level_ppm', r.service_level_ppm, 'contacts_handled', r.contacts_handled)), '[]'::json)
  from delivery_report r where r.contract_id = c.id)`;

type SpikeRow = RowOf<typeof DemandSpikeSchema>;

/** What the effective-actuals rule needs of a contract (see ACTUALS_SQL). */
export type ActualsFactsRow = Pick<SpikeRow, 'outsourcing_model'> & { reports: ReportRow[] };

/** Columns of an ActualsFactsRow, for a query over CONTRACT_WITH_SPIKE_SQL. */
export const ACTUALS_SQL = `s.outsourcing_model, ${REPORTS_JSON_SQL} as reports`;

/** Per interval, the actuals that count (the rule of effective-actuals.ts), as settlement bills them. */
export function effectiveActuals(row: ActualsFactsRow): Map<number, ActualsRow> {
  return pickEffectiveActuals(row.reports, row.outsourcing_model);
}

/** What the delivery context knows about a contract's actuals and their capacity (see DELIVERY_FACTS_SQL). */
export type DeliveryFactsRow = ActualsFactsRow & Pick<SpikeRow, 'channel' | 'chat_concurrency' | 'intervals'>;

/** Columns of a DeliveryFactsRow, for a query over CONTRACT_WITH_SPIKE_SQL. */
export const DELIVERY_FACTS_SQL = `s.channel, s.chat_concurrency, s.intervals, ${ACTUALS_SQL}`;

/** The actuals that count for an interval, with the contacts that count: at most what the staffing could handle. */
export interface CountedActuals extends ActualsRow {
  countedContacts: number;
}

/**
 * Per interval, the actuals that count (the effective-actuals rule: the brand's report under
 * ENTERPRISE_ROUTED and VIRTUALIZED, the vendor's under NETWORK_DELIVERED, either alone) and the
 * contacts handled that count, capped at the physical capacity of the staffed seat-hours. New
 * reports are refused above it; the cap keeps reports stored before the rule from counting more.
 */
export function countedActuals(row: DeliveryFactsRow): Map<number, CountedActuals> {
  const out = new Map<number, CountedActuals>();
  for (const [index, a] of effectiveActuals(row)) {
    const capacity = contactCapacity({
      staffedUnits: a.staffedUnits,
      ahtSeconds: row.intervals[index]?.ahtSeconds ?? null,
      channel: row.channel,
      chatConcurrency: row.chat_concurrency,
    });
    out.set(index, { ...a, countedContacts: Math.min(a.contactsHandled, capacity) });
  }
  return out;
}

/**
 * The contacts handled on a contract that bound the ratings filed about it (PRODUCT.md
 * section 8): per interval, the contacts the vendor itself reported (capped at what its staffed
 * seat-hours could handle), never more than the actuals that count (so under ENTERPRISE_ROUTED and
 * VIRTUALIZED the brand's platform can lower it, not raise it), and 0 for an interval the vendor
 * has not reported. The rating brand can therefore never widen the room for its own ratings by
 * reporting contacts itself: only a figure the vendor reported and the actuals agree with counts.
 */
export function agreedContactsHandled(row: DeliveryFactsRow): number {
  const counted = countedActuals(row);
  let total = 0;
  for (const r of row.reports) {
    if (r.source !== 'VENDOR') continue;
    const own = Math.min(
      r.contacts_handled,
      contactCapacity({
        staffedUnits: BigInt(r.staffed_units),
        ahtSeconds: row.intervals[r.interval_index]?.ahtSeconds ?? null,
        channel: row.channel,
        chatConcurrency: row.chat_concurrency,
      }),
    );
    total += Math.min(own, counted.get(r.interval_index)?.countedContacts ?? 0);
  }
  return total;
}

/**
 * Agreed contacts handled per contract (`agreedContactsHandled`; every requested id present, 0
 * without reports): the bound on the ratings a brand may file about the contract. One query.
 */
export async function agreedContactsHandledOn(em: EntityManager, contractIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map(contractIds.map((id) => [id, 0]));
  if (contractIds.length === 0) return out;
  const rows = await em.execute<(DeliveryFactsRow & { id: string })[]>(
    `select c.id, ${DELIVERY_FACTS_SQL} from ${CONTRACT_WITH_SPIKE_SQL} where c.id = any(?::uuid[])`,
    [pgArray(contractIds)],
  );
  for (const row of rows) out.set(row.id, agreedContactsHandled(row));
  return out;
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { StoredInterval } from '../../persistence/entities/demand.js';
import { pgArray } from '../shared/sql.js';
import { contactCapacity } from './contact-capacity.js';
import { pickEffectiveActuals, REPORTS_JSON_SQL, type ActualsRow, type ReportRow } from './effective-actuals.js';

/** What the delivery context knows about a contract's actuals, as one row (see DELIVERY_FACTS_SQL). */
export interface DeliveryFactsRow {
  outsourcing_model: string;
  channel: string;
  chat_concurrency: number;
  intervals: StoredInterval[];
  reports: ReportRow[];
}

/** Columns of a DeliveryFactsRow, for a query `from contract c join demand_spike s on s.id = c.spike_id`. */
export const DELIVERY_FACTS_SQL = `s.outsourcing_model, s.channel, s.chat_concurrency, s.intervals, ${REPORTS_JSON_SQL} as reports`;

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
  for (const [index, a] of pickEffectiveActuals(row.reports, row.outsourcing_model)) {
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

/** Contacts handled on a contract so far: the sum of its intervals' counted contacts. */
export function contactsHandled(row: DeliveryFactsRow): number {
  let total = 0;
  for (const a of countedActuals(row).values()) total += a.countedContacts;
  return total;
}

/**
 * Contacts handled per contract (every requested id present, 0 without reports): the bound on
 * the ratings a brand may file about the contract (PRODUCT.md section 8). One query.
 */
export async function contactsHandledOn(em: EntityManager, contractIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map(contractIds.map((id) => [id, 0]));
  if (contractIds.length === 0) return out;
  const rows = await em.execute<(DeliveryFactsRow & { id: string })[]>(
    `select c.id, ${DELIVERY_FACTS_SQL} from contract c join demand_spike s on s.id = c.spike_id where c.id = any(?::uuid[])`,
    [pgArray(contractIds)],
  );
  for (const row of rows) out.set(row.id, contactsHandled(row));
  return out;
}

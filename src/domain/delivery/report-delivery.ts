import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ContractSchema, type Contract } from '../../persistence/entities.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { recordDeliveryObservations } from '../quality/delivery-observations.js';

/** Seat-hours are stored in ten-thousandths; reports may carry at most four decimals. */
export const UNITS_PER_SEAT_HOUR = 10_000;
export const MAX_REPORTS_PER_BATCH = 1_000;

export interface IntervalReport {
  intervalIndex: number;
  staffedSeatHours: number;
  contactsHandled: number;
  /** Fraction 0–1, or null when not measured. */
  serviceLevelAchieved: number | null;
}

export interface ReportDeliveryCommand {
  contractId: string;
  reports: IntervalReport[];
}

export interface ReportDeliveryOutcome {
  contract: Contract;
  source: 'VENDOR' | 'BRAND';
  accepted: number;
  /** True when the contract had already been settled: an adjustment settlement is now due. */
  adjustmentDue: boolean;
}

/**
 * Records per-interval actuals for a contract (PRODUCT.md section 6) from its vendor (VENDOR
 * keys) or its brand (BRAND keys). The whole batch is validated before anything is written, then
 * written in one transaction: idempotent per (contract, interval, source), a later report from
 * the same source replacing the earlier one. Reports may only cover intervals that have ended.
 * After settlement, a report flags the contract so the next settlement posts the difference.
 */
export async function reportDelivery(em: EntityManager, clock: Clock, actor: Principal | null, cmd: ReportDeliveryCommand): Promise<Result<ReportDeliveryOutcome>> {
  const p = requireRole(actor, 'VENDOR', 'BRAND');
  const source = p.role === 'VENDOR' ? 'VENDOR' : 'BRAND';
  const now = clock.now();
  if (cmd.reports.length === 0 || cmd.reports.length > MAX_REPORTS_PER_BATCH) {
    return fail('VALIDATION', `Send 1 to ${MAX_REPORTS_PER_BATCH} interval reports`, 'input.reports');
  }
  return em.transactional(async (tem) => {
    const contract = await tem.findOne(ContractSchema, { id: cmd.contractId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const party = source === 'VENDOR' ? contract?.vendorId : contract?.brandId;
    if (!contract || party !== p.organizationId) throw new AccessError('NOT_FOUND', `No contract ${cmd.contractId}`);
    const lengthMs = contract.intervalMinutes * 60_000;
    const seen = new Set<number>();
    const rows: unknown[][] = [];
    for (const [i, r] of cmd.reports.entries()) {
      const field = `input.reports[${i}]`;
      const awarded = contract.seats.find((s) => s.index === r.intervalIndex);
      if (!awarded) return fail('VALIDATION', `Interval ${r.intervalIndex} is not part of this contract`, `${field}.intervalIndex`);
      if (seen.has(r.intervalIndex)) return fail('VALIDATION', `Interval ${r.intervalIndex} is reported twice`, `${field}.intervalIndex`);
      seen.add(r.intervalIndex);
      if (Date.parse(awarded.startsAt) + lengthMs > now.getTime()) return fail('VALIDATION', `Interval ${r.intervalIndex} has not ended yet`, `${field}.intervalIndex`);
      const units = Math.round(r.staffedSeatHours * UNITS_PER_SEAT_HOUR);
      const awardedSeatHours = (awarded.seats * contract.intervalMinutes) / 60;
      if (!Number.isFinite(r.staffedSeatHours) || r.staffedSeatHours < 0 || Math.abs(units - r.staffedSeatHours * UNITS_PER_SEAT_HOUR) > 1e-6) {
        return fail('VALIDATION', 'staffedSeatHours must be a non-negative number with at most 4 decimals', `${field}.staffedSeatHours`);
      }
      if (r.staffedSeatHours > awardedSeatHours * 2) {
        return fail('VALIDATION', `staffedSeatHours ${r.staffedSeatHours} is implausible for ${awarded.seats} awarded seats (at most ${awardedSeatHours * 2})`, `${field}.staffedSeatHours`);
      }
      if (!Number.isInteger(r.contactsHandled) || r.contactsHandled < 0 || r.contactsHandled > 1_000_000) {
        return fail('VALIDATION', 'contactsHandled must be an integer from 0 to 1,000,000', `${field}.contactsHandled`);
      }
      if (r.serviceLevelAchieved !== null && !(r.serviceLevelAchieved >= 0 && r.serviceLevelAchieved <= 1)) {
        return fail('VALIDATION', 'serviceLevelAchieved is a fraction from 0 to 1', `${field}.serviceLevelAchieved`);
      }
      const ppm = r.serviceLevelAchieved === null ? null : Math.round(r.serviceLevelAchieved * 1_000_000);
      rows.push([uuidv7(), contract.id, r.intervalIndex, source, String(units), r.contactsHandled, ppm, p.apiKeyId || null, now]);
    }
    const placeholders = rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    await tem.execute(
      `insert into delivery_report (id, contract_id, interval_index, source, staffed_units, contacts_handled, service_level_ppm, reported_by_key_id, reported_at)
       values ${placeholders}
       on conflict (contract_id, interval_index, source) do update set
         staffed_units = excluded.staffed_units, contacts_handled = excluded.contacts_handled,
         service_level_ppm = excluded.service_level_ppm, reported_by_key_id = excluded.reported_by_key_id, reported_at = excluded.reported_at`,
      rows.flat(),
    );
    await recordDeliveryObservations(tem, contract.id, [...seen], now);
    const settled = contract.status === 'SETTLED' || contract.status === 'ADJUSTED';
    if (settled) contract.needsSettlement = true;
    else if (contract.status === 'ACTIVE') {
      const [{ n }] = (await tem.execute<{ n: number }[]>('select count(distinct interval_index)::int as n from delivery_report where contract_id = ?', [contract.id])) as [{ n: number }];
      if (n === contract.seats.length) contract.status = 'DELIVERED';
    }
    await tem.flush();
    return ok({ contract, source, accepted: rows.length, adjustmentDue: settled });
  });
}

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
    out.set(r.interval_index, { staffedUnits: BigInt(r.staffed_units), serviceLevelPpm: r.service_level_ppm, contactsHandled: r.contacts_handled, source: r.source });
  }
  return out;
}

/** SQL for a contract's reports as a JSON array of ReportRow (correlated on `c.id`). */
export const REPORTS_JSON_SQL = `(select coalesce(json_agg(json_build_object('interval_index', r.interval_index, 'source', r.source,
  'staffed_units', r.staffed_units::text, 'service_level_ppm', r.service_level_ppm, 'contacts_handled', r.contacts_handled)), '[]'::json)
  from delivery_report r where r.contract_id = c.id)`;


import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ContractSchema, type Contract } from '../../persistence/entities/contracts.js';
import type { DemandSpikeSchema } from '../../persistence/entities/demand.js';
import type { RowOf } from '../../persistence/rows.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { recordInternalEvent } from '../events/outbox.js';
import { recordDeliveryObservations } from '../quality/delivery-observations.js';
import { lockContractEvidence } from '../quality/rating-evidence.js';
import { contactCapacity } from './contact-capacity.js';
import { seatHoursToUnits } from './seat-hours.js';
import { hasAtMostDecimals } from '../shared/decimals.js';

export const MAX_REPORTS_PER_BATCH = 1_000;
const MAX_CONTACTS_PER_REPORT = 1_000_000;

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

type SpikeFacts = Pick<RowOf<typeof DemandSpikeSchema>, 'channel' | 'chat_concurrency' | 'intervals'>;

/**
 * Records per-interval actuals for a contract (PRODUCT.md section 6) from its vendor (VENDOR
 * keys) or its brand (BRAND keys). The whole batch is validated before anything is written, then
 * written in one transaction: idempotent per (contract, interval, source), a later report from
 * the same source replacing the earlier one. Reports may only cover intervals that have ended.
 * After settlement, a report flags the contract so the next settlement posts the difference. A
 * `delivery.reported` internal event in the same transaction has the scores recomputed and, for a
 * settled contract, the adjustment settled at once.
 *
 * Every refusal of a value is a returned failure naming its field (ValidationError, or
 * ContactsExceedCapacityError when the contacts handled are more than the staffed seat-hours
 * could physically handle), never a thrown input error: the input type carries no edge
 * validators. Values with more precision than is stored (seat-hours beyond 4 decimals, service
 * levels beyond 6, i.e. parts per million) are refused rather than rounded.
 *
 * The contract's rating evidence lock is taken first (rating-evidence.ts): a report changes the
 * contacts handled that bound the ratings filed about the contract, so it and a rating batch
 * never interleave, and always in this order, so they cannot deadlock.
 */
export async function reportDelivery(
  em: EntityManager,
  clock: Clock,
  actor: Principal | null,
  cmd: ReportDeliveryCommand,
): Promise<Result<ReportDeliveryOutcome>> {
  const p = requireRole(actor, 'VENDOR', 'BRAND');
  const source = p.role === 'VENDOR' ? 'VENDOR' : 'BRAND';
  const now = clock.now();
  if (cmd.reports.length === 0 || cmd.reports.length > MAX_REPORTS_PER_BATCH) {
    return fail('VALIDATION', `Send 1 to ${MAX_REPORTS_PER_BATCH} interval reports`, 'input.reports');
  }
  return em.transactional(async (tem) => {
    await lockContractEvidence(tem, [cmd.contractId]);
    const contract = await tem.findOne(ContractSchema, { id: cmd.contractId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const party = source === 'VENDOR' ? contract?.vendorId : contract?.brandId;
    if (!contract || party !== p.organizationId) throw new AccessError('NOT_FOUND', `No contract ${cmd.contractId}`);
    const [spike] = await tem.execute<SpikeFacts[]>('select channel, chat_concurrency, intervals from demand_spike where id = ?', [contract.spikeId]);
    const lengthMs = contract.intervalMinutes * 60_000;
    const seen = new Set<number>();
    const rows: unknown[][] = [];
    for (const [i, r] of cmd.reports.entries()) {
      const field = `input.reports[${i}]`;
      const awarded = contract.seats.find((s) => s.index === r.intervalIndex);
      if (!awarded) return fail('VALIDATION', `Interval ${r.intervalIndex} is not part of this contract`, `${field}.intervalIndex`);
      if (seen.has(r.intervalIndex)) return fail('VALIDATION', `Interval ${r.intervalIndex} is reported twice`, `${field}.intervalIndex`);
      seen.add(r.intervalIndex);
      if (Date.parse(awarded.startsAt) + lengthMs > now.getTime())
        return fail('VALIDATION', `Interval ${r.intervalIndex} has not ended yet`, `${field}.intervalIndex`);
      const awardedSeatHours = (awarded.seats * contract.intervalMinutes) / 60;
      if (!hasAtMostDecimals(r.staffedSeatHours, 4) || r.staffedSeatHours < 0) {
        return fail('VALIDATION', 'staffedSeatHours must be a non-negative number with at most 4 decimals', `${field}.staffedSeatHours`);
      }
      if (r.staffedSeatHours > awardedSeatHours * 2) {
        return fail(
          'VALIDATION',
          `staffedSeatHours ${r.staffedSeatHours} is implausible for ${awarded.seats} awarded seats (at most ${awardedSeatHours * 2})`,
          `${field}.staffedSeatHours`,
        );
      }
      if (!Number.isInteger(r.contactsHandled) || r.contactsHandled < 0 || r.contactsHandled > MAX_CONTACTS_PER_REPORT) {
        return fail('VALIDATION', 'contactsHandled must be an integer from 0 to 1,000,000', `${field}.contactsHandled`);
      }
      if (r.serviceLevelAchieved !== null && !(r.serviceLevelAchieved >= 0 && r.serviceLevelAchieved <= 1)) {
        return fail('VALIDATION', 'serviceLevelAchieved is a fraction from 0 to 1', `${field}.serviceLevelAchieved`);
      }
      if (r.serviceLevelAchieved !== null && !hasAtMostDecimals(r.serviceLevelAchieved, 6)) {
        return fail('VALIDATION', 'serviceLevelAchieved has at most 6 decimals (it is stored in parts per million)', `${field}.serviceLevelAchieved`);
      }
      // Seat-hours are stored in units (seat-hours.ts); the four decimals were checked above.
      const units = seatHoursToUnits(r.staffedSeatHours);
      const capacity = contactCapacity({
        staffedUnits: units,
        ahtSeconds: spike?.intervals[r.intervalIndex]?.ahtSeconds ?? null,
        channel: spike?.channel ?? '',
        chatConcurrency: spike?.chat_concurrency ?? 1,
      });
      if (r.contactsHandled > capacity) {
        return {
          ok: false,
          failure: {
            kind: 'CONTACTS_EXCEED_CAPACITY',
            field: `${field}.contactsHandled`,
            limit: capacity,
            message: `${r.contactsHandled} contacts cannot have been handled in ${r.staffedSeatHours} staffed seat-hours (at most ${capacity})`,
          },
        };
      }
      const ppm = r.serviceLevelAchieved === null ? null : Math.round(r.serviceLevelAchieved * 1_000_000);
      rows.push([uuidv7(), contract.id, r.intervalIndex, source, units.toString(), r.contactsHandled, ppm, p.apiKeyId || null, now]);
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
      const [{ n }] = (await tem.execute<{ n: number }[]>('select count(distinct interval_index)::int as n from delivery_report where contract_id = ?', [
        contract.id,
      ])) as [{ n: number }];
      if (n === contract.seats.length) contract.status = 'DELIVERED';
    }
    // After commit: fresh scores (adherence, service level), and the adjustment of a settled contract.
    recordInternalEvent(tem, 'delivery.reported', { contractId: contract.id, adjustmentDue: settled }, now);
    await tem.flush();
    return ok({ contract, source, accepted: rows.length, adjustmentDue: settled });
  });
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContractSchema } from '../../persistence/entities/contracts.js';
import type { DemandSpikeSchema } from '../../persistence/entities/demand.js';
import type { RowOf } from '../../persistence/rows.js';
import { agreedContactsHandled, CONTRACT_WITH_SPIKE_SQL, countedActuals, DELIVERY_FACTS_SQL, type DeliveryFactsRow } from '../delivery/delivery-facts.js';
import { unitsToSeatHours } from '../delivery/seat-hours.js';
import { uuidv7 } from '../shared/ids.js';
import { pgArray } from '../shared/sql.js';
import { rebalanceRatingEvidence } from './rating-evidence.js';
import { channelScope, deliveryObservations, skillScope } from './scoring.js';

type Row = DeliveryFactsRow &
  Pick<RowOf<typeof ContractSchema>, 'vendor_id' | 'seats' | 'interval_minutes' | 'service_level_target'> &
  Pick<RowOf<typeof DemandSpikeSchema>, 'required_skills'>;

/**
 * Derives adherence, service-level attainment and contacts handled (the denominator of the
 * escalation and complaint rates, capped at what the staffing could physically handle) from the
 * actuals that count for each given interval of a contract (PRODUCT.md section 8), replacing
 * what earlier reports derived; then re-applies the contract's rating bound, since the contacts
 * handled may have changed. Runs inside the reporting transaction, under the contract's evidence
 * lock, so observations never disagree with the actuals.
 */
export async function recordDeliveryObservations(em: EntityManager, contractId: string, intervalIndexes: readonly number[], now: Date): Promise<void> {
  const [row] = await em.execute<Row[]>(
    `select c.vendor_id, c.seats, c.interval_minutes, c.service_level_target, s.required_skills, ${DELIVERY_FACTS_SQL}
       from ${CONTRACT_WITH_SPIKE_SQL} where c.id = ?`,
    [contractId],
  );
  if (!row) return;
  const actuals = countedActuals(row);
  const scopes = [...row.required_skills.map(skillScope), channelScope(row.channel)];
  const lengthMs = row.interval_minutes * 60_000;
  const observations = intervalIndexes.flatMap((index) => {
    const a = actuals.get(index);
    const seats = row.seats.find((s) => s.index === index);
    if (!a || !seats) return [];
    const observedAt = new Date(Date.parse(seats.startsAt) + lengthMs).toISOString();
    return deliveryObservations({
      staffedSeatHours: unitsToSeatHours(a.staffedUnits),
      awardedSeatHours: (seats.seats * row.interval_minutes) / 60,
      contactsHandled: a.countedContacts,
      serviceLevelAchieved: a.serviceLevelPpm === null ? null : a.serviceLevelPpm / 1_000_000,
      serviceLevelTarget: row.service_level_target,
    }).map((o) => ({ id: uuidv7(now.getTime()), metric: o.metric, amount: o.amount, weight: o.weight, interval_index: index, observed_at: observedAt }));
  });
  await em.execute('delete from quality_observation where contract_id = ? and interval_index = any(?::int[])', [contractId, pgArray(intervalIndexes)]);
  if (observations.length) {
    await em.execute(
      `insert into quality_observation (id, vendor_id, metric, scopes, amount, weight, observed_at, recorded_at, contract_id, interval_index)
       select x.id, ?, x.metric, ?::text[], x.amount, x.weight, x.observed_at, ?, ?, x.interval_index
         from json_to_recordset(?::json) as x(id uuid, metric text, amount double precision, weight double precision, interval_index int, observed_at timestamptz)`,
      [row.vendor_id, pgArray(scopes), now, contractId, JSON.stringify(observations)],
    );
  }
  await rebalanceRatingEvidence(em, contractId, agreedContactsHandled(row));
}

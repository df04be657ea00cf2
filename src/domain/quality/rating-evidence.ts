import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContractSchema } from '../../persistence/entities/contracts.js';
import type { DemandSpikeSchema } from '../../persistence/entities/demand.js';
import type { ContractRatingTallySchema } from '../../persistence/entities/quality.js';
import type { SettlementSchema } from '../../persistence/entities/settlement.js';
import type { RowOf } from '../../persistence/rows.js';
import type { Principal } from '../access/principal.js';
import { agreedContactsHandledOn } from '../delivery/delivery-facts.js';
import { pgArray } from '../shared/sql.js';
import type { QualityEventInput, Rejection } from './event-shape.js';
import type { QualityEventKind } from './scoring.js';

/**
 * Evidence bounds on ratings (PRODUCT.md sections 6 and 8): who may say how much about a vendor.
 * A rating (CSAT, QA_SCORE, FCR, ESCALATION, COMPLAINT) names a contract of the rating brand (the
 * operator may name any contract); is about an outsourcer (an in-house team is scored from its
 * delivery data only); names, if any, a skill the contract covers; happened within the
 * contract's delivery period plus the dispute window; and, per contract and kind, there are at
 * most as many as contacts handled on the contract as its vendor reported them
 * (`agreedContactsHandled`: the rating brand cannot raise it; QA evaluations: one per contact). Each bound holds per event: what is beyond it is rejected
 * with a typed reason, the rest of the batch is stored.
 *
 * The bound counts every rating of the kind stored about the contract, whoever filed it, and the
 * earliest received count: when a corrected delivery report lowers the contacts handled, the
 * latest ratings beyond the new bound stop counting (kept, `excluded_reason`
 * EXCEEDS_CONTACTS_HANDLED) and count again if the contacts rise.
 */

/** Ratings are filed this long after the contract's first settlement at most (PRODUCT.md section 7's dispute window). */
export const DISPUTE_WINDOW_MS = 30 * 86_400_000;

export type RatingKind = Exclude<QualityEventKind, 'AUDIT'>;

/** What the bounds need to know about a contract named by a rating, read under its evidence lock. */
export interface RatingContract {
  id: string;
  brandId: string;
  vendorId: string;
  startsAt: Date;
  /**
   * The end of the dispute window: 30 days after the first settlement, or while the contract is
   * unsettled 30 days after its last interval ends (settlement comes after that, so this is the
   * earlier of the two and a contract that never settles does not take ratings for ever).
   */
  windowEndsAt: Date;
  requiredSkills: string[];
  channel: string;
  contactsHandled: number;
  /** Ratings already stored (and not excluded for another reason) per kind. */
  filed: Map<string, number>;
}

export interface RatedVendor {
  id: string;
  vendorType: 'IN_HOUSE' | 'OUTSOURCER' | null;
  parentBrandId: string | null;
}

/**
 * Serialises everything that reads or changes a contract's rating evidence: rating batches naming
 * it and delivery reports for it. Transaction-scoped advisory locks, taken in id order; a
 * delivery report takes it before its row lock on the contract, so the two never deadlock.
 */
export async function lockContractEvidence(em: EntityManager, contractIds: readonly string[]): Promise<void> {
  if (contractIds.length === 0) return;
  await em.execute(`select pg_advisory_xact_lock(hashtextextended('contract_evidence:' || s.c, 0)) from (select c from unnest(?::text[]) as c order by c) s`, [
    pgArray([...new Set(contractIds)]),
  ]);
}

/** The contracts named by events: parties, terms and dispute window (no lock: these do not change under a rating). */
export async function loadRatingContracts(em: EntityManager, contractIds: readonly string[]): Promise<Map<string, RatingContract>> {
  if (contractIds.length === 0) return new Map();
  const rows = await em.execute<
    (Pick<RowOf<typeof ContractSchema>, 'id' | 'brand_id' | 'vendor_id' | 'starts_at' | 'ends_at'> &
      Pick<RowOf<typeof DemandSpikeSchema>, 'required_skills' | 'channel'> & { settled_at: RowOf<typeof SettlementSchema>['created_at'] | null })[]
  >(
    `select c.id, c.brand_id, c.vendor_id, c.starts_at, c.ends_at, s.required_skills, s.channel,
            (select min(x.created_at) from settlement x where x.contract_id = c.id) as settled_at
       from contract c join demand_spike s on s.id = c.spike_id where c.id = any(?::uuid[])`,
    [pgArray(contractIds)],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        brandId: r.brand_id,
        vendorId: r.vendor_id,
        startsAt: new Date(r.starts_at),
        windowEndsAt: new Date(Math.max(new Date(r.ends_at).getTime(), r.settled_at ? new Date(r.settled_at).getTime() : 0) + DISPUTE_WINDOW_MS),
        requiredSkills: r.required_skills,
        channel: r.channel,
        contactsHandled: 0,
        filed: new Map(),
      },
    ]),
  );
}

/**
 * Takes the evidence locks of the contracts ratings are about to be filed on, then reads their
 * bounds: contacts handled and ratings filed per kind. Taken as late as possible, after every
 * other check, since the lock is held until the transaction commits: concurrent batches about
 * one contract run their inserts one after the other.
 */
export async function lockBounds(em: EntityManager, contracts: readonly RatingContract[]): Promise<void> {
  const ids = contracts.map((c) => c.id);
  if (ids.length === 0) return;
  await lockContractEvidence(em, ids);
  const [contacts, filed] = await Promise.all([
    agreedContactsHandledOn(em, ids),
    em.execute<(Pick<RowOf<typeof ContractRatingTallySchema>, 'contract_id' | 'kind'> & { n: number })[]>(
      'select contract_id, kind, filed as n from contract_rating_tally where contract_id = any(?::uuid[])',
      [pgArray(ids)],
    ),
  ]);
  for (const c of contracts) {
    c.contactsHandled = contacts.get(c.id) ?? 0;
    c.filed = new Map(filed.filter((f) => f.contract_id === c.id).map((f) => [f.kind, f.n]));
  }
}

/**
 * Why a rating may not be recorded, apart from its contract's bound (`boundProblem`, checked
 * under the lock), or null. The vendor is known to exist and not to be the caller itself.
 */
export function ratingProblem(
  p: Principal,
  e: QualityEventInput & { kind: RatingKind },
  vendor: RatedVendor,
  contract: RatingContract | undefined,
  occurredAt: Date,
  now: Date,
): Rejection | null {
  if (p.role !== 'BRAND' && p.role !== 'OPERATOR') return { code: 'KIND_NOT_PERMITTED', message: `A ${p.role} key records AUDIT events only`, field: 'kind' };
  if (!e.contractId) return { code: 'CONTRACT_REQUIRED', message: 'A rating names the contract it is about (contractId)', field: 'contractId' };
  if (!contract || contract.vendorId !== e.vendorId || (p.role === 'BRAND' && contract.brandId !== p.organizationId)) {
    return { code: 'CONTRACT_MISMATCH', message: 'The contract is not one between this brand and this vendor', field: 'contractId' };
  }
  if (vendor.vendorType === 'IN_HOUSE') {
    return vendor.parentBrandId === p.organizationId
      ? { code: 'SELF_RATING', message: 'A brand does not rate its own in-house team: the team is scored from its delivery data only', field: 'vendorId' }
      : { code: 'IN_HOUSE_NOT_RATED', message: 'An in-house team is scored from its delivery data only', field: 'vendorId' };
  }
  if (e.skill != null && !contract.requiredSkills.includes(e.skill)) {
    return {
      code: 'SKILL_NOT_IN_CONTRACT',
      message: `The contract covers ${contract.requiredSkills.map((x) => `"${x}"`).join(', ') || 'no skills'}, not "${e.skill}"`,
      field: 'skill',
    };
  }
  if (occurredAt.getTime() < contract.startsAt.getTime()) {
    return {
      code: 'OUTSIDE_CONTRACT_PERIOD',
      message: `A rating happens within the contract's delivery period, which starts ${contract.startsAt.toISOString()}`,
      field: 'occurredAt',
    };
  }
  if (Math.max(occurredAt.getTime(), now.getTime()) > contract.windowEndsAt.getTime()) {
    return {
      code: 'OUTSIDE_CONTRACT_PERIOD',
      message: `Ratings of this contract closed with its dispute window at ${contract.windowEndsAt.toISOString()}`,
      field: 'occurredAt',
    };
  }
  return null;
}

/** Whether one more rating of `kind` exceeds the contract's contacts handled (read by `lockBounds`), or null (then `fileRating` it). */
export function boundProblem(contract: RatingContract, kind: RatingKind): Rejection | null {
  const filed = contract.filed.get(kind) ?? 0;
  if (filed >= contract.contactsHandled) {
    const what = kind === 'QA_SCORE' ? 'QA evaluations (one per contact handled)' : `${kind} events`;
    return {
      code: 'EXCEEDS_CONTACTS_HANDLED',
      message: `The contract has ${contract.contactsHandled} contacts handled (as its vendor reported them) and already ${filed} ${what}`,
      field: 'contractId',
    };
  }
  return null;
}

/** Counts an accepted rating against its contract's bound, so the rest of the batch sees it. */
export function fileRating(contract: RatingContract, kind: RatingKind): void {
  contract.filed.set(kind, (contract.filed.get(kind) ?? 0) + 1);
}

/**
 * Adds stored ratings to their contracts' tallies (`contract_rating_tally`: ratings filed per
 * contract and kind, what the bound is checked against), in the transaction that stored them
 * and under the contracts' evidence locks.
 */
export async function tallyRatings(em: EntityManager, stored: readonly { contractId: string; kind: RatingKind }[]): Promise<void> {
  const counts = new Map<string, { contract_id: string; kind: string; n: number }>();
  for (const r of stored) {
    const key = `${r.contractId}|${r.kind}`;
    const c = counts.get(key) ?? { contract_id: r.contractId, kind: r.kind, n: 0 };
    c.n += 1;
    counts.set(key, c);
  }
  if (counts.size === 0) return;
  await em.execute(
    `insert into contract_rating_tally (contract_id, kind, filed)
     select x.contract_id, x.kind, x.n from json_to_recordset(?::json) as x(contract_id uuid, kind text, n int)
     on conflict (contract_id, kind) do update set filed = contract_rating_tally.filed + excluded.filed`,
    [JSON.stringify([...counts.values()])],
  );
}

/**
 * After the contacts handled on a contract changed (a new or corrected delivery report): per
 * kind, the earliest `contactsHandled` ratings count and later ones are excluded, so stored
 * evidence never exceeds the bound. Ratings excluded for another reason stay excluded. Call under
 * the contract's evidence lock.
 */
export async function rebalanceRatingEvidence(em: EntityManager, contractId: string, contactsHandled: number): Promise<void> {
  await em.execute(
    `with ranked as (
       select o.id, row_number() over (partition by e.kind order by e.id) as rank
         from quality_event e join quality_observation o on o.event_id = e.id
        where e.contract_id = ? and e.kind <> 'AUDIT' and (o.excluded_reason is null or o.excluded_reason = 'EXCEEDS_CONTACTS_HANDLED')
     )
     update quality_observation o set excluded_reason = case when r.rank > ? then 'EXCEEDS_CONTACTS_HANDLED' end
       from ranked r
      where o.id = r.id and o.excluded_reason is distinct from (case when r.rank > ? then 'EXCEEDS_CONTACTS_HANDLED' end)`,
    [contractId, contactsHandled, contactsHandled],
  );
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { BidSchema } from '../../persistence/entities/bidding.js';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { OrganizationSchema, type Organization } from '../../persistence/entities/access.js';
import { authenticated, requireRole, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { pgArray } from '../shared/sql.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { AccessError } from '../shared/result.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { eligibilityFailures } from './eligibility.js';
import type { SpikeStatus } from './spikes.js';

/**
 * A spike by id, if the caller may see it: its brand's keys and the operator always; a vendor
 * once it is published and only if it is eligible to bid on it or has bid on it. Anything else
 * is NOT_FOUND, so that a spike's existence does not leak across tenants.
 */
export async function getDemandSpike(em: EntityManager, scores: QualityScores, actor: Principal | null, spikeId: string): Promise<DemandSpike> {
  const p = authenticated(actor);
  const spike = await em.findOne(DemandSpikeSchema, { id: spikeId });
  if (spike && (await maySee(em, scores, p, spike))) return spike;
  throw spikeNotFound(spikeId);
}

/**
 * The one answer for a spike the caller may not see, whatever the operation (demandSpike,
 * placeBid, …): the same code and message as for an id that does not exist, and nothing else.
 */
export function spikeNotFound(spikeId: string): AccessError {
  return new AccessError('NOT_FOUND', `No demand spike ${spikeId}`);
}

/**
 * Whether a vendor sees a spike (docs/decisions.md, Visibility): never a draft; always one it
 * has bid on (its bid, withdrawn or not, refers to it); otherwise only an OPEN one it is
 * eligible for. Every vendor-facing operation on a spike decides with this rule, so none of
 * them tells a vendor more than `demandSpike` does.
 */
export function vendorSeesSpike(status: SpikeStatus, facts: { hasBid: boolean; eligible: boolean }): boolean {
  if (status === 'DRAFT') return false;
  return facts.hasBid || (status === 'OPEN' && facts.eligible);
}

async function maySee(em: EntityManager, scores: QualityScores, p: Principal, spike: DemandSpike): Promise<boolean> {
  if (p.role === 'OPERATOR' || spike.brandId === p.organizationId) return true;
  if (p.role !== 'VENDOR' || spike.status === 'DRAFT') return false;
  const hasBid = (await em.count(BidSchema, { spikeId: spike.id, vendorId: p.organizationId })) > 0;
  if (hasBid || spike.status !== 'OPEN') return vendorSeesSpike(spike.status, { hasBid, eligible: false });
  const vendor = await em.findOneOrFail(OrganizationSchema, { id: p.organizationId });
  const standing = (await scores.standingsOf(em, [vendor.id], { skills: spike.requiredSkills, channel: spike.channel })).get(vendor.id)!;
  return vendorSeesSpike(spike.status, { hasBid, eligible: eligibilityFailures(vendor, spike, standing).length === 0 });
}

/** The calling brand's spikes (the operator sees every brand's, optionally one brand's), newest last. */
export async function listDemandSpikes(
  em: EntityManager,
  actor: Principal | null,
  filter: { status?: SpikeStatus | null; brandId?: string | null },
  page: PageRequest,
): Promise<Page<DemandSpike>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  const brandId = p.role === 'OPERATOR' ? (filter.brandId ?? undefined) : p.organizationId;
  const rows = await em.find(
    DemandSpikeSchema,
    {
      ...(brandId ? { brandId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(page.after ? { id: { $gt: page.after } } : {}),
    },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}

/**
 * OPEN spikes, before their close time, that the calling vendor is eligible to bid on. The
 * rules are applied in SQL (skills and certifications as array containment) so that pages are
 * full; the shared eligibility function stays the single definition used for bids.
 */
export async function listOpenDemandSpikes(
  em: EntityManager,
  clock: Clock,
  scores: QualityScores,
  actor: Principal | null,
  page: PageRequest,
): Promise<Page<DemandSpike>> {
  const p = requireRole(actor, 'VENDOR');
  const vendor: Organization = await em.findOneOrFail(OrganizationSchema, { id: p.organizationId });
  if (vendor.status !== 'ACTIVE') return { items: [], hasNextPage: false };
  const standing = (await scores.standingsOf(em, [vendor.id], { skills: [], channel: null })).get(vendor.id)!;
  if (standing.suspended) return { items: [], hasNextPage: false };
  const params: unknown[] = [clock.now(), pgArray(vendor.skills), pgArray(vendor.certifications), standing.overall, pgArray(standing.excludedByBrands)];
  let sql = `select id from demand_spike
     where status = 'OPEN' and bidding_closes_at > ?
       and required_skills <@ ?::text[] and required_certifications <@ ?::text[]
       and (min_quality_score is null or min_quality_score <= ?)
       and not (brand_id = any(?::uuid[]))`;
  if (vendor.vendorType === 'IN_HOUSE') {
    sql += ' and brand_id = ?';
    params.push(vendor.parentBrandId);
  }
  if (page.after) {
    sql += ' and id > ?';
    params.push(page.after);
  }
  sql += ' order by id limit ?';
  params.push(page.first + 1);
  const ids = (await em.execute<{ id: string }[]>(sql, params)).map((r) => r.id);
  const spikes = ids.length ? await em.find(DemandSpikeSchema, { id: { $in: ids } }, { orderBy: { id: 'asc' } }) : [];
  // Defence in depth: the SQL filter and the domain rule must agree.
  const eligible = spikes.filter((s) => eligibilityFailures(vendor, s, standing).length === 0);
  return toPage(eligible, page.first);
}

/**
 * Every vendor eligible to bid on the spike now (PRODUCT.md section 4): the SQL narrows by
 * status, skills, certifications and in-house ownership; the shared eligibility function then
 * decides, with the quality scores. The audience of a `demand_spike.posted` event.
 */
export async function eligibleVendorIds(em: EntityManager, scores: QualityScores, spike: DemandSpike): Promise<string[]> {
  const candidates = await em.execute<{ id: string }[]>(
    `select id from organization
      where kind = 'VENDOR' and status = 'ACTIVE' and skills @> ?::text[] and certifications @> ?::text[]
        and (vendor_type = 'OUTSOURCER' or parent_brand_id = ?)
      order by id`,
    [pgArray(spike.requiredSkills), pgArray(spike.requiredCertifications), spike.brandId],
  );
  if (!candidates.length) return [];
  const vendors = await em.find(OrganizationSchema, { id: { $in: candidates.map((c) => c.id) } }, { orderBy: { id: 'asc' } });
  const standings = await scores.standingsOf(
    em,
    vendors.map((v) => v.id),
    { skills: spike.requiredSkills, channel: spike.channel },
  );
  return vendors.filter((v) => eligibilityFailures(v, spike, standings.get(v.id)!).length === 0).map((v) => v.id);
}

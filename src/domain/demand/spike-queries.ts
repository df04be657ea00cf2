import type { EntityManager } from '@mikro-orm/postgresql';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { runStatement } from '../../persistence/statements.js';
import { authenticated, requireRole, type Principal } from '../access/principal.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { AccessError } from '../shared/result.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { loadEligibility } from './eligibility-facts.js';
import { eligibleVendorsWhere } from './eligibility-prefilters.js';
import { inWorld } from '../sandbox/world.js';

type SpikeStatus = DemandSpike['status'];

/**
 * A spike by id, if the caller may see it: its brand's keys and the operator always; a vendor
 * once it is published and only if it is eligible to bid on it or has bid on it. Anything else
 * is NOT_FOUND, so that a spike's existence does not leak across tenants.
 */
export async function getDemandSpike(em: EntityManager, scores: QualityScores, actor: Principal | null, spikeId: string): Promise<DemandSpike> {
  const p = authenticated(actor);
  // Another world's spike does not exist for the caller (the operator included).
  const spike = await em.findOne(DemandSpikeSchema, { id: spikeId, ...inWorld('brand_id', p) });
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
  const mine = (await loadEligibility(em, scores, spike.id, [p.organizationId]))?.vendors.get(p.organizationId);
  return !!mine && vendorSeesSpike(spike.status, { hasBid: mine.hasBid, eligible: mine.failures.length === 0 });
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
      ...inWorld('brand_id', p),
      ...(filter.status ? { status: filter.status } : {}),
      ...(page.after ? { id: { $gt: page.after } } : {}),
    },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}

/**
 * Every vendor eligible to bid on the spike now (PRODUCT.md section 4): the audience of a
 * `demand_spike.posted` event. A prefilter over the vendors' own columns (eligibility-prefilters.ts)
 * picks the candidates; the eligibility loader judges them, quality standing included.
 */
export async function eligibleVendorIds(em: EntityManager, scores: QualityScores, spike: DemandSpike): Promise<string[]> {
  const where = eligibleVendorsWhere(spike);
  const candidates = await runStatement<{ id: string }>(em, `select o.id from organization o where ${where.sql} order by o.id`, where.params);
  if (!candidates.length) return [];
  const facts = await loadEligibility(
    em,
    scores,
    spike.id,
    candidates.map((c) => c.id),
  );
  return [...(facts?.vendors.values() ?? [])].filter((v) => v.failures.length === 0).map((v) => v.vendor.id);
}

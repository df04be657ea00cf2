import type { EntityManager } from '@mikro-orm/postgresql';
import {
  AuditRecordSchema,
  AwardSchema,
  BidOutcomeSchema,
  ClearingResultSchema,
  type AuditRecord,
  type Award,
  type BidOutcome,
  type ClearingResultRow,
} from '../../persistence/entities/clearing.js';
import { BidSchema } from '../../persistence/entities/bidding.js';
import { ContractSchema, type Contract } from '../../persistence/entities/contracts.js';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { OrganizationSchema } from '../../persistence/entities/access.js';
import { requireRole, type Principal } from '../access/principal.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { AccessError } from '../shared/result.js';
import { routingPlan, routingPlanCsv, type RoutingInterval } from './routing-plan.js';
import { inWorld } from '../sandbox/world.js';

/** The spike, if the caller is its brand (any of the brand's keys but FINANCE) or the operator. */
export async function spikeForBrand(em: EntityManager, actor: Principal | null, spikeId: string): Promise<DemandSpike> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  const spike = await em.findOne(DemandSpikeSchema, { id: spikeId, ...inWorld('brand_id', p) });
  if (!spike || (p.role !== 'OPERATOR' && spike.brandId !== p.organizationId)) throw new AccessError('NOT_FOUND', `No demand spike ${spikeId}`);
  return spike;
}

export interface ClearingView {
  result: ClearingResultRow;
  outcomes: BidOutcome[];
  awards: Award[];
  auditSha256: string;
}

/** The whole clearing of a spike, for its brand and the operator; null until it has cleared. */
export async function getClearingResult(em: EntityManager, actor: Principal | null, spikeId: string): Promise<ClearingView | null> {
  await spikeForBrand(em, actor, spikeId);
  const result = await em.findOne(ClearingResultSchema, { spikeId });
  if (!result) return null;
  const [outcomes, awards, audit] = await Promise.all([
    em.find(BidOutcomeSchema, { spikeId }, { orderBy: { bidId: 'asc' } }),
    em.find(AwardSchema, { spikeId }, { orderBy: { intervalIndex: 'asc', bidId: 'asc' } }),
    em.findOneOrFail(AuditRecordSchema, { spikeId }),
  ]);
  return { result, outcomes, awards, auditSha256: audit.sha256 };
}

/** The audit record of a clearing, for the brand and the operator; null until cleared. */
export async function getAuditRecord(em: EntityManager, actor: Principal | null, spikeId: string): Promise<AuditRecord | null> {
  await spikeForBrand(em, actor, spikeId);
  return em.findOne(AuditRecordSchema, { spikeId });
}

export interface RoutingPlanView {
  spike: DemandSpike;
  intervals: RoutingInterval[];
  vendorNames: Map<string, string>;
  csv: string;
}

/** The routing plan for the brand's ACD (brand and operator); null until cleared. */
export async function getRoutingPlan(em: EntityManager, actor: Principal | null, spikeId: string): Promise<RoutingPlanView | null> {
  const spike = await spikeForBrand(em, actor, spikeId);
  if (!(await em.findOne(ClearingResultSchema, { spikeId }))) return null;
  const awards = await em.find(AwardSchema, { spikeId });
  const vendorIds = [...new Set(awards.map((a) => a.vendorId))];
  const vendorNames = new Map((await em.find(OrganizationSchema, { id: { $in: vendorIds } })).map((o) => [o.id, o.name]));
  const intervals = routingPlan(
    spike.intervals,
    awards.map((a) => ({ vendorId: a.vendorId, index: a.intervalIndex, seats: a.seats })),
  );
  return { spike, intervals, vendorNames, csv: routingPlanCsv(intervals, spike.intervalMinutes, vendorNames) };
}

/** The bidding vendor's view of its bid's outcome: null until the spike cleared. Nobody else's. */
export async function getBidOutcome(em: EntityManager, actor: Principal | null, bidId: string): Promise<BidOutcome | null> {
  const p = requireRole(actor, 'VENDOR');
  const bid = await em.findOne(BidSchema, { id: bidId });
  if (!bid || bid.vendorId !== p.organizationId) throw new AccessError('NOT_FOUND', `No bid ${bidId}`);
  return em.findOne(BidOutcomeSchema, { bidId });
}

/** Which contracts a caller may read: its own organisation's side (brand or vendor), or all for the operator. AUDITOR keys read none. */
export const CONTRACT_READERS = ['OPERATOR', 'BRAND', 'VENDOR', 'FINANCE'] as const;

export function contractScope(p: Principal): Record<string, string> {
  // The operator reads every contract of its own world (live, or its sandbox), never another's.
  if (p.organizationKind === 'OPERATOR') return inWorld('brand_id', p);
  return p.organizationKind === 'BRAND' ? { brandId: p.organizationId } : { vendorId: p.organizationId };
}

export async function listContracts(
  em: EntityManager,
  actor: Principal | null,
  filter: { spikeId?: string | null },
  page: PageRequest,
): Promise<Page<Contract>> {
  const p = requireRole(actor, ...CONTRACT_READERS);
  const rows = await em.find(
    ContractSchema,
    { ...contractScope(p), ...(filter.spikeId ? { spikeId: filter.spikeId } : {}), ...(page.after ? { id: { $gt: page.after } } : {}) },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}

export async function getContract(em: EntityManager, actor: Principal | null, id: string): Promise<Contract> {
  const p = requireRole(actor, ...CONTRACT_READERS);
  const contract = await em.findOne(ContractSchema, { id, ...contractScope(p) });
  if (!contract) throw new AccessError('NOT_FOUND', `No contract ${id}`);
  return contract;
}

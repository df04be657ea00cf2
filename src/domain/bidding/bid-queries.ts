import type { EntityManager } from '@mikro-orm/postgresql';
import { BidSchema, type Bid } from '../../persistence/entities/bidding.js';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { authenticated, requireRole, type Principal } from '../access/principal.js';
import { biddingIsOver } from '../demand/spikes.js';
import type { Clock } from '../shared/clock.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { AccessError } from '../shared/result.js';
import { inWorld } from '../sandbox/world.js';

/**
 * Bids are sealed. A vendor reads only its own bids. The spike's brand (and the operator) read
 * a spike's bids only once bidding is over, and the brand never reads those of a spike it
 * cancelled (cancelling is only possible before the close time, so the brand would otherwise
 * unseal every price by cancelling and reposting). Everything else is NOT_FOUND or FORBIDDEN,
 * never data.
 */
function unsealedFor(p: Principal, spike: Pick<DemandSpike, 'status' | 'biddingClosesAt'>, now: Date): boolean {
  return biddingIsOver(spike, now) && (p.role === 'OPERATOR' || spike.status !== 'CANCELLED');
}

export async function getBid(em: EntityManager, clock: Clock, actor: Principal | null, bidId: string): Promise<Bid> {
  const p = authenticated(actor);
  const bid = await em.findOne(BidSchema, { id: bidId });
  if (bid) {
    if (bid.vendorId === p.organizationId && p.role === 'VENDOR') return bid;
    if (p.role === 'BRAND' || p.role === 'OPERATOR') {
      const spike = await em.findOne(DemandSpikeSchema, { id: bid.spikeId, ...inWorld('brand_id', p) });
      if (spike && (p.role === 'OPERATOR' || spike.brandId === p.organizationId) && unsealedFor(p, spike, clock.now())) return bid;
    }
  }
  throw new AccessError('NOT_FOUND', `No bid ${bidId}`);
}

/** The calling vendor's own bid, for a change to it; another vendor's bid is NOT_FOUND like a missing one. */
export async function ownBid(em: EntityManager, p: Principal, bidId: string): Promise<Bid> {
  const bid = await em.findOne(BidSchema, { id: bidId });
  if (!bid || bid.vendorId !== p.organizationId) throw new AccessError('NOT_FOUND', `No bid ${bidId}`);
  return bid;
}

/** The calling vendor's bids, optionally for one spike or in one status. */
export async function listMyBids(
  em: EntityManager,
  actor: Principal | null,
  filter: { spikeId?: string | null; status?: Bid['status'] | null },
  page: PageRequest,
): Promise<Page<Bid>> {
  const p = requireRole(actor, 'VENDOR');
  const rows = await em.find(
    BidSchema,
    {
      vendorId: p.organizationId,
      ...(filter.spikeId ? { spikeId: filter.spikeId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(page.after ? { id: { $gt: page.after } } : {}),
    },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}

/** All bids on a spike, for its brand or the operator, once bidding is over (FORBIDDEN before: bids are sealed). */
export async function listBidsForSpike(em: EntityManager, clock: Clock, actor: Principal | null, spikeId: string, page: PageRequest): Promise<Page<Bid>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  const spike = await em.findOne(DemandSpikeSchema, { id: spikeId, ...inWorld('brand_id', p) });
  if (!spike || (p.role !== 'OPERATOR' && spike.brandId !== p.organizationId)) throw new AccessError('NOT_FOUND', `No demand spike ${spikeId}`);
  if (!unsealedFor(p, spike, clock.now())) {
    throw new AccessError('FORBIDDEN', spike.status === 'CANCELLED' ? 'The bids of a cancelled spike stay sealed' : 'Bids are sealed until bidding closes');
  }
  const rows = await em.find(BidSchema, { spikeId, ...(page.after ? { id: { $gt: page.after } } : {}) }, { orderBy: { id: 'asc' }, limit: page.first + 1 });
  return toPage(rows, page.first);
}

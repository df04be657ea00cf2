import type { EntityManager } from '@mikro-orm/postgresql';
import { BidSchema } from '../../persistence/entities/bidding.js';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { authenticated, type Principal } from '../access/principal.js';
import { AccessError } from '../shared/result.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { getDemandSpike, vendorSeesSpike } from './spike-queries.js';
import { inWorld } from '../sandbox/world.js';

/**
 * Spikes by id, each only if the caller may see it through `demandSpike(id)`: the others are
 * missing from the map. One read for the spikes and, for a vendor, one for its bids on them;
 * a spike a vendor has not bid on (rare here: callers come from its bids and contracts) is
 * decided by `getDemandSpike` itself, so there is one visibility rule.
 */
export async function spikesVisibleTo(
  em: EntityManager,
  scores: QualityScores,
  actor: Principal | null,
  ids: readonly string[],
): Promise<Map<string, DemandSpike>> {
  const p = authenticated(actor);
  const out = new Map<string, DemandSpike>();
  if (!ids.length) return out;
  const spikes = await em.find(DemandSpikeSchema, { id: { $in: [...new Set(ids)] }, ...inWorld('brand_id', p) });
  const bidOn =
    p.role === 'VENDOR'
      ? new Set(
          (await em.find(BidSchema, { spikeId: { $in: spikes.map((s) => s.id) }, vendorId: p.organizationId }, { fields: ['spikeId'] })).map((b) => b.spikeId),
        )
      : new Set<string>();
  for (const spike of spikes) {
    if (p.role === 'OPERATOR' || spike.brandId === p.organizationId) out.set(spike.id, spike);
    else if (p.role === 'VENDOR' && bidOn.has(spike.id)) {
      if (vendorSeesSpike(spike.status, { hasBid: true, eligible: false })) out.set(spike.id, spike);
    } else if (p.role === 'VENDOR' && spike.status === 'OPEN') {
      const seen = await getDemandSpike(em, scores, p, spike.id).catch((error: unknown) => {
        if (error instanceof AccessError) return null;
        throw error;
      });
      if (seen) out.set(spike.id, seen);
    }
  }
  return out;
}

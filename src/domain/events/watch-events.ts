import type { EntityManager } from '@mikro-orm/postgresql';
import type { BidOutcome, Contract, DemandSpike } from '../../persistence/entities.js';
import { apiKeyIsActive } from '../access/api-keys.js';
import { requireRole, type Principal } from '../access/principal.js';
import { getBidOutcome, getContract } from '../clearing/clearing-queries.js';
import { getDemandSpike } from '../demand/spike-queries.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { END, filterMap } from '../shared/async-iterables.js';
import { AccessError } from '../shared/result.js';
import type { DomainEvent, EventType } from './event-types.js';

/** Where published events come from: the API's Redis subscriber (or anything else that yields them). */
export interface EventSource {
  subscribe(type: EventType): AsyncIterable<DomainEvent>;
}

export interface WatchDeps {
  source: EventSource;
  principal: Principal;
  /** A fresh EntityManager per event, so that a subscription open for days keeps no identity map. */
  fork(): EntityManager;
}

/** One event with the resource it is about, as the subscriber may see it. */
export interface Watched<T extends EventType, R> {
  event: DomainEvent<T>;
  resource: R;
}

/** The operator sees every event; anyone else only events whose audience names its organisation. */
export function mayReceive(p: Principal, event: DomainEvent): boolean {
  return p.organizationKind === 'OPERATOR' || event.audience.includes(p.organizationId);
}

/**
 * Follows the published events of one type for a principal. Skips events outside its
 * audience; loads each event's resource through `load`, the same visibility rule as the
 * matching query, and skips events whose resource the caller may not (or no longer) see; ends
 * when the caller's key is revoked, so a revocation reaches open subscriptions too.
 */
function watch<T extends EventType, R>(deps: WatchDeps, type: T, load: (em: EntityManager, event: DomainEvent<T>) => Promise<R | null>): AsyncIterableIterator<Watched<T, R>> {
  return filterMap(deps.source.subscribe(type), async (event): Promise<Watched<T, R> | null | typeof END> => {
    if (event.type !== type || !mayReceive(deps.principal, event)) return null;
    const em = deps.fork();
    if (!(await apiKeyIsActive(em, deps.principal.apiKeyId))) return END;
    try {
      const resource = await load(em, event as DomainEvent<T>);
      return resource === null ? null : { event: event as DomainEvent<T>, resource };
    } catch (error) {
      if (error instanceof AccessError) return null;
      throw error;
    }
  });
}

/**
 * Newly published spikes the caller may bid on (VENDOR keys), or every one (the operator).
 * The role is checked now, before anything is subscribed.
 */
export function watchDemandSpikesPosted(deps: Omit<WatchDeps, 'principal'> & { principal: Principal | null; scores: QualityScores }): AsyncIterableIterator<Watched<'demand_spike.posted', DemandSpike>> {
  const principal = requireRole(deps.principal, 'VENDOR', 'OPERATOR');
  return watch({ ...deps, principal }, 'demand_spike.posted', (em, e) => getDemandSpike(em, deps.scores, principal, e.data.spikeId));
}

/** Outcomes of the calling vendor's own bids as clearing decides them (VENDOR keys). */
export function watchBidOutcomes(deps: Omit<WatchDeps, 'principal'> & { principal: Principal | null }): AsyncIterableIterator<Watched<'bid.outcome', BidOutcome>> {
  const principal = requireRole(deps.principal, 'VENDOR');
  return watch({ ...deps, principal }, 'bid.outcome', (em, e) => getBidOutcome(em, principal, e.data.bidId));
}

/** Settlements of contracts the caller's organisation is party to (any key; the operator: all). */
export function watchContractSettlements(deps: Omit<WatchDeps, 'principal'> & { principal: Principal | null }): AsyncIterableIterator<Watched<'contract.settled', Contract>> {
  const principal = requireRole(deps.principal, 'OPERATOR', 'BRAND', 'VENDOR', 'FINANCE');
  return watch({ ...deps, principal }, 'contract.settled', (em, e) => getContract(em, principal, e.data.contractId));
}

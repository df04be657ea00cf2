import type { EntityManager } from '@mikro-orm/postgresql';
import type { BidOutcome } from '../../persistence/entities/clearing.js';
import type { Contract } from '../../persistence/entities/contracts.js';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import { getBidOutcome, getContract } from '../clearing/clearing-queries.js';
import { getDemandSpike } from '../demand/spike-queries.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { END, filterMap } from '../shared/async-iterables.js';
import type { DomainEvent, EventType } from './event-types.js';
import type { FanOut } from './fan-out.js';

/** Where published events come from: the API's Redis subscriber (or anything else that yields them). */
export interface EventSource {
  subscribe(type: EventType): AsyncIterable<DomainEvent>;
}

export interface WatchDeps {
  source: EventSource;
  principal: Principal;
  /** The process's shared per-event work: key checks and resource reads once per event, bounded (fan-out.ts). */
  fanOut: FanOut;
}

/** One event with the resource it is about, as the subscriber may see it. */
export interface Watched<T extends EventType, R> {
  event: DomainEvent<T>;
  resource: R;
}

/**
 * The operator sees every event of its own world (live, or its sandbox); anyone else only events
 * whose audience names its organisation (always of its world: PostgreSQL keeps worlds apart).
 */
export function mayReceive(p: Principal, event: DomainEvent): boolean {
  if (p.organizationKind === 'OPERATOR') return (event.sandboxId ?? null) === (p.sandboxId ?? null);
  return event.audience.includes(p.organizationId);
}

/**
 * Follows the published events of one type for a principal. Skips events outside its
 * audience; ends when the caller's key is revoked, so a revocation reaches open subscriptions
 * too; loads each event's resource through `load`, the same visibility rule as the matching
 * query, and skips events whose resource the caller may not (or no longer) see. The key check
 * and the load are shared with every other subscription of the process that receives the same
 * event (fan-out.ts), so many subscriptions of one organisation cost one read per event.
 */
function watch<T extends EventType, R>(
  deps: WatchDeps,
  type: T,
  load: (em: EntityManager, event: DomainEvent<T>) => Promise<R | null>,
): AsyncIterableIterator<Watched<T, R>> {
  const { fanOut, principal } = deps;
  return filterMap(deps.source.subscribe(type), async (event): Promise<Watched<T, R> | null | typeof END> => {
    if (event.type !== type || !mayReceive(principal, event)) return null;
    if (!(await fanOut.keyIsActive(event.id, principal.apiKeyId))) return END;
    const resource = await fanOut.resource(event.id, principal, (em) => load(em, event as DomainEvent<T>));
    if (resource === null) return null;
    await fanOut.turn();
    return { event: event as DomainEvent<T>, resource };
  });
}

/**
 * Newly published spikes the caller may bid on (VENDOR keys), or every one (the operator).
 * The role is checked now, before anything is subscribed.
 */
export function watchDemandSpikesPosted(
  deps: Omit<WatchDeps, 'principal'> & { principal: Principal | null; scores: QualityScores },
): AsyncIterableIterator<Watched<'demand_spike.posted', DemandSpike>> {
  const principal = requireRole(deps.principal, 'VENDOR', 'OPERATOR');
  return watch({ ...deps, principal }, 'demand_spike.posted', (em, e) => getDemandSpike(em, deps.scores, principal, e.data.spikeId));
}

/** Outcomes of the calling vendor's own bids as clearing decides them (VENDOR keys). */
export function watchBidOutcomes(
  deps: Omit<WatchDeps, 'principal'> & { principal: Principal | null },
): AsyncIterableIterator<Watched<'bid.outcome', BidOutcome>> {
  const principal = requireRole(deps.principal, 'VENDOR');
  return watch({ ...deps, principal }, 'bid.outcome', (em, e) => getBidOutcome(em, principal, e.data.bidId));
}

/** Settlements of contracts the caller's organisation is party to (any key; the operator: all). */
export function watchContractSettlements(
  deps: Omit<WatchDeps, 'principal'> & { principal: Principal | null },
): AsyncIterableIterator<Watched<'contract.settled', Contract>> {
  const principal = requireRole(deps.principal, 'OPERATOR', 'BRAND', 'VENDOR', 'FINANCE');
  return watch({ ...deps, principal }, 'contract.settled', (em, e) => getContract(em, principal, e.data.contractId));
}

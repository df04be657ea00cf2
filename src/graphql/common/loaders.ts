import DataLoader from 'dataloader';
import { organizationsByIds } from '../../domain/access/organization-queries.js';
import { contractsByIds, ownBidOutcomes } from '../../domain/clearing/contract-batch.js';
import { spikesVisibleTo } from '../../domain/demand/spike-batch.js';
import type { Organization } from '../../persistence/entities/access.js';
import type { BidOutcome } from '../../persistence/entities/clearing.js';
import type { Contract } from '../../persistence/entities/contracts.js';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import type { Context } from '../context.js';

/**
 * Batched reads for field resolvers (contract { spike { title } vendor { name } }): one read per
 * kind of object per tick of a request, never one per item. Each goes through the use case that
 * decides visibility for the matching top-level query; an object the caller may not see loads as
 * null. Loaders live as long as one request (one GraphQL context), so nothing is cached across
 * requests or callers.
 */
export interface Loaders {
  organization: DataLoader<string, Organization | null>;
  spike: DataLoader<string, DemandSpike | null>;
  contract: DataLoader<string, Contract | null>;
  ownBidOutcome: DataLoader<string, BidOutcome | null>;
}

const perRequest = new WeakMap<Context, Loaders>();

function batch<T>(read: (ids: readonly string[]) => Promise<Map<string, T>>): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const found = await read(ids);
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** The loaders of this request's context, made on first use. */
export function loadersOf(ctx: Context): Loaders {
  let loaders = perRequest.get(ctx);
  if (!loaders) {
    loaders = {
      organization: batch((ids) => organizationsByIds(ctx.em, ctx.principal, ids)),
      spike: batch((ids) => spikesVisibleTo(ctx.em, ctx.scores, ctx.principal, ids)),
      contract: batch((ids) => contractsByIds(ctx.em, ctx.principal, ids)),
      ownBidOutcome: batch((ids) => ownBidOutcomes(ctx.em, ctx.principal, ids)),
    };
    perRequest.set(ctx, loaders);
  }
  return loaders;
}

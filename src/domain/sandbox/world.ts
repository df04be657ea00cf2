import { raw } from '@mikro-orm/core';
import type { Principal } from '../access/principal.js';

/**
 * The wall between worlds in reads (PRODUCT.md section 13): the live world and each sandbox see
 * only their own organisations' rows. Organisation-scoped reads (a brand's spikes, a vendor's
 * bids) are in one world already, since PostgreSQL refuses rows that pair two worlds
 * (Migration20261207190000, `world_boundary`); these helpers scope what the operator sees, which
 * is everything of its own world and nothing of any other.
 */

/** SQL: the organisation in `column` is of the world given by the `?` parameter that follows (null: live). */
export function inWorldSql(column: string): string {
  return `${column} in (select bxw.id from organization bxw where bxw.sandbox_id is not distinct from ?::uuid)`;
}

/** The same condition as an ORM filter fragment (spread into a `find` where), for the caller's world. */
export function inWorld(column: string, p: Pick<Principal, 'sandboxId'>): Record<string, never> {
  return { [raw(inWorldSql(column), [p.sandboxId ?? null])]: [] } as unknown as Record<string, never>;
}

/** The caller's world as a bind value: null for live. */
export const worldParam = (p: Pick<Principal, 'sandboxId'>): string | null => p.sandboxId ?? null;

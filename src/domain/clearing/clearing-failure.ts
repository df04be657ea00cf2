/**
 * Failed clearings, kept where the brand can see them. A clearing that fails (the solver timed
 * out or failed, the input was refused, or something unexpected broke) rolls back everything it
 * wrote and is retried by its job and the sweeper; without a record the brand would only see a
 * spike that never clears. `recordClearingFailure` writes (or updates) one row per spike, in its
 * own transaction after the failed one; the clearing that finally awards the spike deletes it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ClearingFailureSchema, type ClearingFailure } from '../../persistence/entities/clearing.js';
import type { RowOf } from '../../persistence/rows.js';
import type { Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { ClearingError } from './clearing-error.js';
import { spikeForBrand } from './clearing-queries.js';

export type ClearingFailureCode = ClearingFailure['code'];

/** The code and a message fit for the brand: a ClearingError's own, never an internal error's text. */
export function describeFailure(error: unknown): { code: ClearingFailureCode; message: string } {
  if (error instanceof ClearingError) return { code: error.code, message: error.message.slice(0, 1000) };
  return { code: 'INTERNAL', message: 'The clearing stopped on an unexpected error; it is retried automatically.' };
}

/** Counts one more failed attempt for the spike, with the latest reason. */
export async function recordClearingFailure(em: EntityManager, clock: Clock, spikeId: string, error: unknown): Promise<void> {
  const { code, message } = describeFailure(error);
  const now = clock.now();
  const rows = await em.getConnection().execute<Pick<RowOf<typeof ClearingFailureSchema>, 'spike_id'>[]>(
    `insert into clearing_failure (spike_id, code, message, attempts, first_failed_at, last_failed_at)
     select ?, ?, ?, 1, ?, ? where exists (select 1 from demand_spike where id = ?)
     on conflict (spike_id) do update
       set code = excluded.code, message = excluded.message, attempts = clearing_failure.attempts + 1, last_failed_at = excluded.last_failed_at
     returning spike_id`,
    [spikeId, code, message, now, now, spikeId],
  );
  if (!rows.length) throw new Error(`No demand spike ${spikeId}`);
}

/** Why the last clearing of a spike failed, for its brand and the operator; null when it has not failed (or has cleared since). */
export async function getClearingFailure(em: EntityManager, actor: Principal | null, spikeId: string): Promise<ClearingFailure | null> {
  await spikeForBrand(em, actor, spikeId);
  return em.findOne(ClearingFailureSchema, { spikeId });
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../shared/clock.js';

/** Rows deleted per statement: short transactions, so a big backlog never holds long locks. */
export const CLEANUP_BATCH = 1_000;

export interface CleanupOutcome {
  sessions: number;
  links: number;
}

/**
 * Deletes the console's dead rows (docs/console.md, "Sessions are cleaned up"): sessions past
 * their expiry or signed out, and sign-in links used or past their 15 minutes. None of them can
 * ever authenticate again, so nothing is lost; a live session or an unused, unexpired link is never
 * touched. Each batch is one statement committed on its own: a run that crashes half-way leaves
 * only rows that the next run deletes, and running twice deletes nothing the second time.
 * `maxBatches` bounds one run (tests use it to stop half-way, as a crash would).
 */
export async function cleanConsoleSessions(em: EntityManager, clock: Clock, options: { batch?: number; maxBatches?: number } = {}): Promise<CleanupOutcome> {
  const batch = options.batch ?? CLEANUP_BATCH;
  let budget = options.maxBatches ?? Number.POSITIVE_INFINITY;
  const now = clock.now();
  const sweep = async (sql: string): Promise<number> => {
    let total = 0;
    while (budget > 0) {
      budget -= 1;
      const rows = await em.execute<{ id: string }[]>(sql, [now, batch]);
      total += rows.length;
      if (rows.length < batch) break;
    }
    return total;
  };
  const sessions = await sweep(
    `delete from console_session where id in
       (select id from console_session where expires_at <= ? or ended_at is not null limit ? for update skip locked)
     returning id`,
  );
  const links = await sweep(
    `delete from console_sign_in_link where id in
       (select id from console_sign_in_link where expires_at <= ? or consumed_at is not null limit ? for update skip locked)
     returning id`,
  );
  return { sessions, links };
}

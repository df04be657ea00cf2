import type { Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { cleanConsoleSessions } from '../src/domain/access/clean-console-sessions.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { Logger } from '../src/logger.js';
import { CLEAN_CONSOLE_SESSIONS, type MaintenanceJobData } from './queues.js';

export interface MaintenanceDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
}

/**
 * Processes the maintenance queue: `clean-console-sessions`, on a schedule, deletes expired and
 * signed-out console sessions and used or expired sign-in links. It holds no state of its own:
 * running it twice, or again after a crash half-way, deletes what is left and nothing else.
 */
export function maintenanceProcessor(deps: MaintenanceDeps) {
  return async (job: Job<MaintenanceJobData>): Promise<unknown> => {
    if (job.name !== CLEAN_CONSOLE_SESSIONS) throw new Error(`Unknown job ${job.name}`);
    const outcome = await cleanConsoleSessions(deps.orm.em.fork(), deps.clock);
    if (outcome.sessions || outcome.links) deps.logger.info(outcome, 'console sessions and sign-in links cleaned up');
    return outcome;
  };
}

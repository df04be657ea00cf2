import type { Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { recomputeScores } from '../src/domain/quality/recompute-scores.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { Logger } from '../src/logger.js';
import { RECOMPUTE_SCORES, type QualityJobData } from './queues.js';

export interface QualityDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
}

/**
 * Processes the quality queue: `recompute-scores` rescores every vendor from all observations
 * (requested after each ingestion, delivery report and policy change, and on a schedule so time
 * decay shows without new data). Running it twice is harmless: each run scores from scratch.
 */
export function qualityProcessor(deps: QualityDeps) {
  return async (job: Job<QualityJobData>): Promise<unknown> => {
    if (job.name !== RECOMPUTE_SCORES) throw new Error(`Unknown job ${job.name}`);
    const outcome = await recomputeScores(deps.orm.em.fork(), deps.clock);
    deps.logger.debug({ ...outcome }, 'scores recomputed');
    return outcome;
  };
}

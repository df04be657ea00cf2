import type { Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { recomputeScores, type RecomputeOutcome } from '../src/domain/quality/recompute-scores.js';
import { activeSandboxIds } from '../src/domain/sandbox/test-clock.js';
import { clockOfSandbox } from '../src/domain/sandbox/world-clock.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { Logger } from '../src/logger.js';
import { RECOMPUTE_SCORES, type QualityJobData } from './queues.js';

export interface QualityDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
}

/**
 * Processes the quality queue: `recompute-scores` rescores vendors from all observations
 * (requested after each ingestion, delivery report and policy change, and on a schedule so time
 * decay shows without new data). Each world is scored on its own, on its own clock, with its own
 * prior: a job naming a sandbox (after its test clock advanced) rescores that sandbox; any other
 * rescores the live world and then every undeleted sandbox. Running it twice is harmless: each run
 * scores from scratch.
 */
export function qualityProcessor(deps: QualityDeps) {
  return async (job: Job<QualityJobData>): Promise<unknown> => {
    if (job.name !== RECOMPUTE_SCORES) throw new Error(`Unknown job ${job.name}`);
    const em = deps.orm.em.fork();
    const worlds: (string | null)[] = job.data.sandboxId ? [job.data.sandboxId] : [null, ...(await activeSandboxIds(em))];
    const outcomes: RecomputeOutcome[] = [];
    for (const world of worlds) {
      const clock = await clockOfSandbox(em, deps.clock, world);
      outcomes.push(await recomputeScores(deps.orm.em.fork(), clock, world));
    }
    deps.logger.debug({ worlds: worlds.length, vendors: outcomes.reduce((a, o) => a + o.vendors, 0) }, 'scores recomputed');
    return outcomes[0];
  };
}

/**
 * How other contexts ask for fresh scores without knowing about queues. The workers implement it
 * with BullMQ; a scheduled recomputation also runs on its own, so a lost request only delays.
 */
export interface QualityScheduler {
  /** Recomputes scores shortly (requests within a short window share one run). */
  recomputeSoon(): Promise<void>;
}

/** Asks for fresh scores; if the queue cannot take the request, logs it: the scheduled recomputation catches up. */
export async function recomputeSoonOrLog(scheduler: QualityScheduler | null | undefined, logger: { warn(obj: object, msg: string): void }): Promise<void> {
  await scheduler
    ?.recomputeSoon()
    .catch((err: Error) => logger.warn({ err: err.message }, 'could not enqueue a score recomputation; the scheduled one will run'));
}

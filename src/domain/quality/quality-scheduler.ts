/**
 * How other contexts ask for fresh scores without knowing about queues. The workers implement it
 * with BullMQ; a scheduled recomputation also runs on its own, so a lost request only delays.
 */
export interface QualityScheduler {
  /** Recomputes scores shortly (requests within a short window share one run). */
  recomputeSoon(): Promise<void>;
}

/**
 * How the demand context asks for a clearing without knowing about queues. The workers
 * implement it with BullMQ; since Redis may be down when a spike is published or closed, a
 * sweeper re-finds due spikes in PostgreSQL, so a lost request only delays a clearing.
 */
export interface ClearingScheduler {
  /** Clears the spike at its close time (replacing any earlier schedule for it). */
  scheduleAt(spikeId: string, closesAt: Date): Promise<void>;
  /** Clears the spike as soon as a worker is free. */
  clearNow(spikeId: string): Promise<void>;
}

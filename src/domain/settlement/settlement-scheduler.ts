/**
 * How other contexts ask for a settlement without knowing about queues. The workers implement
 * it with BullMQ; a sweeper re-finds due contracts in PostgreSQL, so a lost request only delays.
 */
export interface SettlementScheduler {
  /** Settles the contract at `at` (its end plus the grace period). */
  scheduleAt(contractId: string, at: Date): Promise<void>;
  /** Settles (or adjusts) the contract as soon as a worker is free. */
  settleNow(contractId: string): Promise<void>;
}

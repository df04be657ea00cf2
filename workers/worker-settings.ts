import type { Config } from '../src/config.js';
import type { WorkerSettings } from './worker-stack.js';

/** The worker stack's settings from the process configuration (workers/main.ts, and the API in the embedded profile). */
export function workerSettings(config: Config): WorkerSettings {
  return {
    concurrency: config.workerConcurrency,
    lockMs: config.workerLockMs,
    sweepIntervalMs: config.sweepIntervalMs,
    scoreRefreshMs: config.scoreRefreshMs,
    outboxPollMs: config.outboxPollMs,
    settlementPolicy: { feePpm: config.feePpm, graceMs: config.settlementGraceMs },
    webhooks: {
      retry: { attempts: config.webhookAttempts, backoffMs: config.webhookBackoffMs },
      timeoutMs: config.webhookTimeoutMs,
      allowPrivateNetworks: config.webhookUrlPolicy.allowPrivateNetworks,
    },
  };
}

import type { RateDecision, RateLimiter, RateSubject } from '../http/rate-limit.js';
import type { ConnectionSlots, SlotDecision } from '../realtime/connection-slots.js';

/**
 * The rate-limit buckets and graphql-ws connection counts of the embedded profile, in this
 * process's memory. Exact there: the embedded profile is one process (PGlite cannot be shared), so
 * there is no other replica to agree with. Same arithmetic as the Redis scripts
 * (http/rate-limit.ts, realtime/connection-slots.ts), with this process's clock.
 */

export interface BucketLimits {
  points: number;
  anonymousPoints: number;
  ingestPoints: number;
  windowMs: number;
}

export function capacityOf(limits: BucketLimits, subject: RateSubject): [number, string] {
  switch (subject.kind) {
    case 'key':
      return [limits.points, `key:${subject.apiKeyId}`];
    case 'sandbox':
      return [limits.points, `sandbox:${subject.sandboxId}`];
    case 'ingest':
      return [limits.ingestPoints, `ingest:${subject.organizationId}`];
    case 'ip':
      return [limits.anonymousPoints, `ip:${subject.address}`];
  }
}

/** One step of a token bucket: the decision and the bucket's new state (unchanged when only peeking or refused). */
export function bucketStep(
  state: { tokens: number; ts: number } | undefined,
  capacity: number,
  windowMs: number,
  cost: number,
  now: number,
  charge: boolean,
): { decision: RateDecision; tokens: number } {
  const rate = capacity / windowMs;
  const tokens = Math.min(capacity, state ? state.tokens + Math.max(0, now - state.ts) * rate : capacity);
  const allowed = tokens >= cost;
  const after = allowed && charge ? tokens - cost : tokens;
  const retryMs = allowed ? 0 : Math.ceil((cost - tokens) / rate);
  return {
    tokens: after,
    decision: {
      allowed,
      limit: capacity,
      remaining: Math.floor(after),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
      resetSeconds: Math.ceil(Math.ceil((capacity - after) / rate) / 1000),
    },
  };
}

export function createMemoryRateLimiter(limits: BucketLimits, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; ts: number }>();
  const decide = async (subject: RateSubject, cost: number, charge: boolean) => {
    const [capacity, key] = capacityOf(limits, subject);
    const t = now();
    const step = bucketStep(buckets.get(key), capacity, limits.windowMs, Math.min(capacity, Math.max(1, Math.ceil(cost))), t, charge);
    if (charge) buckets.set(key, { tokens: step.tokens, ts: t });
    // Full buckets cost no memory: they are what a missing one means.
    if (step.tokens >= capacity) buckets.delete(key);
    return step.decision;
  };
  return { consume: (subject, cost) => decide(subject, cost, true), peek: (subject, cost) => decide(subject, cost, false) };
}

export function createMemoryConnectionSlots(options: { limit: number; organizationLimit?: number }): ConnectionSlots {
  const organizationLimit = options.organizationLimit ?? Number.MAX_SAFE_INTEGER;
  const counts = new Map<string, number>();
  const add = (set: string, n: number) => {
    const next = (counts.get(set) ?? 0) + n;
    if (next <= 0) counts.delete(set);
    else counts.set(set, next);
  };
  return {
    async acquire(apiKeyId, organizationId): Promise<SlotDecision> {
      const sets = [`key:${apiKeyId}`, `org:${organizationId}`] as const;
      if ((counts.get(sets[0]) ?? 0) >= options.limit) return { admitted: false, scope: 'key', limit: options.limit };
      if ((counts.get(sets[1]) ?? 0) >= organizationLimit) return { admitted: false, scope: 'organization', limit: organizationLimit };
      for (const set of sets) add(set, 1);
      let released = false;
      return {
        admitted: true,
        async release() {
          if (released) return;
          released = true;
          for (const set of sets) add(set, -1);
        },
      };
    },
    async close() {},
  };
}

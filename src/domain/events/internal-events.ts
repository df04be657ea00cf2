/**
 * Internal events: facts that give the workers something to do after a change commits. A use case
 * writes them to the outbox in its own transaction, like the public events of event-types.ts, and
 * the outbox relay turns each into jobs with deterministic ids (workers/after-commit.ts). They are
 * never published: no audience, no subscription, no webhook (their `kind` is INTERNAL, and
 * PostgreSQL refuses one with an audience). Payloads carry ids and the times the work is due at.
 */
export const INTERNAL_EVENT_TYPES = [
  'spike.opened',
  'spike.closed_early',
  'spike.close_moved',
  'contract.created',
  'delivery.reported',
  'quality.events_accepted',
  'quality.policy_changed',
  'sandbox.clock_advanced',
] as const;
export type InternalEventType = (typeof INTERNAL_EVENT_TYPES)[number];

export interface InternalEventData {
  /** DRAFT → OPEN: the spike is to be cleared at its bidding close. */
  'spike.opened': { spikeId: string; biddingClosesAt: string };
  /** OPEN → CLOSED before the close time: the spike is to be cleared at once. */
  'spike.closed_early': { spikeId: string };
  /** The bidding close moved: the clearing follows it. */
  'spike.close_moved': { spikeId: string; biddingClosesAt: string };
  /** Clearing made a contract: it is to be settled at its end plus the grace period. */
  'contract.created': { contractId: string; endsAt: string };
  /** Actuals were recorded: scores are to be recomputed, and a settled contract adjusted at once. */
  'delivery.reported': { contractId: string; adjustmentDue: boolean };
  /** Quality events were stored: scores are to be recomputed. */
  'quality.events_accepted': { accepted: number };
  /** A new scoring policy version: scores are to be recomputed. */
  'quality.policy_changed': { version: number };
  /** A sandbox's test clock moved to `clockTime`: what fell due on it runs now (sweeps and a rescore of that sandbox). */
  'sandbox.clock_advanced': { sandboxId: string; advance: number; clockTime: string };
}

/** An internal event as the relay hands it to the workers. */
export interface InternalEvent<T extends InternalEventType = InternalEventType> {
  id: string;
  type: T;
  /** When the change committed, on the clock of the use case that wrote it (ISO 8601). */
  createdAt: string;
  data: InternalEventData[T];
}

/** Any internal event, as a union discriminated by `type` (a switch on it narrows `data`). */
export type AnyInternalEvent = { [T in InternalEventType]: InternalEvent<T> }[InternalEventType];

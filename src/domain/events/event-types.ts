/**
 * The domain events other systems may follow, by subscription (graphql-ws) or webhook. Payloads
 * carry ids and small facts, never secrets, and respect sealed bidding: a bid outcome goes to
 * its own vendor only and names no other vendor or price.
 */
export const EVENT_TYPES = ['demand_spike.posted', 'bid.outcome', 'contract.settled'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);

/** A spike was published (DRAFT → OPEN). Sent to the vendors eligible to bid on it at that moment. */
export interface DemandSpikePostedData {
  spikeId: string;
  brandId: string;
  title: string;
  channel: string;
  requiredSkills: string[];
  requiredCertifications: string[];
  intervalMinutes: number;
  intervalCount: number;
  totalRequiredSeats: number;
  firstIntervalStartsAt: string;
  /** The spike's reserve rate: the most a vendor may bid per seat-hour. */
  reserveRate: { amountMinor: string; currency: string };
  biddingClosesAt: string;
  outsourcingModel: string;
}

/** Clearing decided a bid. Sent to the bidding vendor only. */
export interface BidOutcomeData {
  bidId: string;
  spikeId: string;
  vendorId: string;
  status: 'WON' | 'PARTIAL' | 'LOST';
  /** Machine-readable reason (see docs/clearing.md). */
  reason: string;
  /** For INELIGIBLE: the rules the vendor failed at clearing time. */
  reasonDetail: string | null;
  awardedSeatHours: number;
  /** The vendor's contract for the spike when it won seats, else null. */
  contractId: string | null;
}

/** A settlement (the first, or a later adjustment) was posted for a contract. Sent to both parties. */
export interface ContractSettledData {
  contractId: string;
  brandId: string;
  vendorId: string;
  settlementId: string;
  /** 1 for the first settlement, then 2, 3, … for adjustments. */
  sequence: number;
  kind: 'INITIAL' | 'ADJUSTMENT';
  invoiceId: string;
  invoiceKind: 'INVOICE' | 'CREDIT_NOTE' | 'DEBIT_NOTE';
  currency: string;
  /** Net amount of this settlement (for an adjustment: the difference), minor units. */
  netMinor: string;
  feeMinor: string;
  vendorPayoutMinor: string;
}

export interface EventData {
  'demand_spike.posted': DemandSpikePostedData;
  'bid.outcome': BidOutcomeData;
  'contract.settled': ContractSettledData;
}

/** An event as the relay publishes it and as webhooks send it (`audience` is never sent out). */
export interface DomainEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  /** Organisations that may see it; the operator sees every event. */
  audience: string[];
  createdAt: string;
  data: EventData[T];
  /** The world it happened in (null: live): the operator receives its own world's events only. */
  sandboxId?: string | null;
}

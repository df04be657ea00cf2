/**
 * Erlang C staffing: how many agents (and seats, after shrinkage) an interval needs to
 * answer a forecast volume at a service level. Pure functions, no I/O.
 *
 * Numerical method: Erlang B by its recurrence B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)),
 * then C = c·B / (c − A·(1 − B)). Every step stays in [0, 1], so traffic in the thousands of
 * Erlangs is safe where A^c / c! overflows a double.
 */

export type Channel = 'VOICE' | 'CHAT' | 'EMAIL';

export interface StaffingInput {
  channel: Channel;
  /** Contacts forecast for the interval. */
  contacts: number;
  /** Average handle time in seconds. */
  ahtSeconds: number;
  /** Interval length in seconds (900, 1800 or 3600). */
  intervalSeconds: number;
  /** Fraction of contacts to answer within the threshold, e.g. 0.8. Ignored for EMAIL. */
  serviceLevelTarget: number;
  /** Answer-time threshold in seconds, e.g. 20. Ignored for EMAIL. */
  serviceLevelSeconds: number;
  /** Highest occupancy allowed (default 0.85). */
  maxOccupancy?: number;
  /** Fraction of paid time an agent is unavailable (default 0). */
  shrinkage?: number;
  /** Chats one agent handles at once (default 1); only for CHAT. */
  chatConcurrency?: number;
}

export interface Staffing {
  /** Offered traffic A in Erlangs. */
  trafficErlangs: number;
  /** Productive agents needed. */
  agents: number;
  /** Scheduled seats: agents grossed up for shrinkage. */
  seats: number;
  /** Service level the agents reach (null for EMAIL, which has no answer-time target). */
  serviceLevel: number | null;
  /** Probability that a contact waits (null for EMAIL). */
  probabilityOfWait: number | null;
  /** A / agents (0 when there is no traffic). */
  occupancy: number;
}

const DEFAULT_MAX_OCCUPANCY = 0.85;
// Division such as 14 / 0.7 gives 20.000000000000004; a ceiling must not turn that into 21.
const CEIL_EPSILON = 1e-9;

function ceilSafe(x: number): number {
  return Math.ceil(x - CEIL_EPSILON);
}

/** Effective handle time: a chat agent works `concurrency` chats at once. */
function effectiveAht(channel: Channel, ahtSeconds: number, chatConcurrency = 1): number {
  return channel === 'CHAT' ? ahtSeconds / chatConcurrency : ahtSeconds;
}

/** Offered traffic in Erlangs. */
export function trafficErlangs(input: Pick<StaffingInput, 'channel' | 'contacts' | 'ahtSeconds' | 'intervalSeconds' | 'chatConcurrency'>): number {
  return (input.contacts * effectiveAht(input.channel, input.ahtSeconds, input.chatConcurrency)) / input.intervalSeconds;
}

/** Erlang B blocking probability with `c` servers, computed by the stable recurrence. */
export function erlangB(a: number, c: number): number {
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return b;
}

/** Erlang C: probability that a contact waits, for c > A; 1 when c <= A (the queue never drains). */
export function erlangC(a: number, c: number): number {
  if (c <= a) return 1;
  return erlangCFromB(a, c, erlangB(a, c));
}

function erlangCFromB(a: number, c: number, b: number): number {
  return (c * b) / (c - a * (1 - b));
}

/** SL(c) = 1 − P(wait)·exp(−(c − A)·threshold / AHT). */
export function serviceLevel(a: number, c: number, thresholdSeconds: number, ahtSeconds: number): number {
  if (a === 0) return 1;
  if (c <= a) return 0;
  return slFromC(a, c, erlangC(a, c), thresholdSeconds, ahtSeconds);
}

function slFromC(a: number, c: number, pWait: number, thresholdSeconds: number, ahtSeconds: number): number {
  return 1 - pWait * Math.exp((-(c - a) * thresholdSeconds) / ahtSeconds);
}

/**
 * Agents and seats for a forecast interval (PRODUCT.md section 3).
 * VOICE and CHAT: the smallest c > A with SL(c) >= target and A / c <= max occupancy.
 * EMAIL: workload only, ceil(A / max occupancy).
 * Seats: ceil(agents / (1 − shrinkage)).
 */
export function requiredStaffing(input: StaffingInput): Staffing {
  const maxOccupancy = input.maxOccupancy ?? DEFAULT_MAX_OCCUPANCY;
  const shrinkage = input.shrinkage ?? 0;
  const a = trafficErlangs(input);
  const aht = effectiveAht(input.channel, input.ahtSeconds, input.chatConcurrency);
  const seatsFor = (agents: number) => ceilSafe(agents / (1 - shrinkage));

  if (a === 0) {
    return {
      trafficErlangs: 0,
      agents: 0,
      seats: 0,
      serviceLevel: input.channel === 'EMAIL' ? null : 1,
      probabilityOfWait: input.channel === 'EMAIL' ? null : 0,
      occupancy: 0,
    };
  }
  if (input.channel === 'EMAIL') {
    const agents = ceilSafe(a / maxOccupancy);
    return { trafficErlangs: a, agents, seats: seatsFor(agents), serviceLevel: null, probabilityOfWait: null, occupancy: a / agents };
  }

  // Walk c upward from the first integer above A, carrying Erlang B along: O(c) in total.
  let c = Math.floor(a) + 1;
  let b = erlangB(a, c);
  for (;;) {
    const pWait = erlangCFromB(a, c, b);
    const sl = slFromC(a, c, pWait, input.serviceLevelSeconds, aht);
    if (sl >= input.serviceLevelTarget && a / c <= maxOccupancy + CEIL_EPSILON) {
      return { trafficErlangs: a, agents: c, seats: seatsFor(c), serviceLevel: sl, probabilityOfWait: pWait, occupancy: a / c };
    }
    c += 1;
    b = (a * b) / (c + a * b);
  }
}

/**
 * Service level that `seats` scheduled seats reach for a forecast interval: the seats net of
 * shrinkage are the agents. Used to show the brand the service level at risk when seats go unfilled.
 * Returns null for EMAIL.
 */
export function serviceLevelForSeats(input: StaffingInput, seats: number): number | null {
  if (input.channel === 'EMAIL') return null;
  const a = trafficErlangs(input);
  const agents = Math.floor(seats * (1 - (input.shrinkage ?? 0)) + CEIL_EPSILON);
  return serviceLevel(a, agents, input.serviceLevelSeconds, effectiveAht(input.channel, input.ahtSeconds, input.chatConcurrency));
}

/**
 * Vendor scoring (PRODUCT.md section 9) as pure functions: normalisation of each event to 0–1,
 * exponential time decay, Bayesian smoothing toward the marketplace prior, a weighted composite,
 * and the effect of audits. No database, no clock: callers pass observations (or their decayed
 * sums) and the time to score at.
 *
 * Every metric is a ratio of two decayed sums, amount ÷ weight. An ordinary observation (one CSAT
 * survey, one QA evaluation, one delivered interval) adds its 0–1 value to the amount and 1 to
 * the weight. Escalations and complaints are rates per contact handled: delivery adds N contacts
 * as amount N and weight N, and each ESCALATION (or COMPLAINT) event subtracts 1 from the amount,
 * so amount ÷ weight = 1 − escalations ÷ contacts.
 */

export const METRICS = ['CSAT', 'QA', 'FCR', 'ADHERENCE', 'SERVICE_LEVEL', 'ESCALATION', 'COMPLAINT'] as const;
export type Metric = (typeof METRICS)[number];

export type AuditState = 'NONE' | 'PASS' | 'CONDITIONAL' | 'FAIL';

export interface ScoringPolicy {
  /** Weight per metric, each in basis points (1/10,000); they sum to exactly 10,000. */
  weightsBp: Record<Metric, number>;
  /** Weight of the marketplace prior, in observations (default 20). */
  priorWeight: number;
  /** Age at which an observation counts half (default 30 days). */
  halfLifeDays: number;
}

export const WEIGHT_SCALE = 10_000;

export const DEFAULT_SCORING_POLICY: ScoringPolicy = {
  weightsBp: { CSAT: 3_000, QA: 2_000, FCR: 1_500, ADHERENCE: 1_500, SERVICE_LEVEL: 1_000, ESCALATION: 1_000, COMPLAINT: 0 },
  priorWeight: 20,
  halfLifeDays: 30,
};

/** CONDITIONAL audits multiply the composite by this. */
export const CONDITIONAL_MULTIPLIER = 0.9;

/** Prior for a metric nobody in the marketplace has data for: the middle of the scale. */
export const UNINFORMED_MEAN = 0.5;

const DAY_MS = 86_400_000;

/** One contribution to a metric, before decay. */
export interface Observation {
  metric: Metric;
  amount: number;
  weight: number;
  at: Date;
}

/** Decayed sums of a metric's observations, and how many observations there were. */
export interface MetricSums {
  amount: number;
  weight: number;
  count: number;
}

export const EMPTY_SUMS: MetricSums = { amount: 0, weight: 0, count: 0 };

/** Weight of an observation `ageMs` old: 1 now, ½ at the half-life. Future times count as now. */
export function decayFactor(ageMs: number, halfLifeDays: number): number {
  return 0.5 ** (Math.max(0, ageMs) / (halfLifeDays * DAY_MS));
}

/** Folds observations into decayed sums per metric, as of `now`. */
export function accumulate(observations: Iterable<Observation>, now: Date, halfLifeDays: number): Map<Metric, MetricSums> {
  const out = new Map<Metric, MetricSums>();
  for (const o of observations) {
    const d = decayFactor(now.getTime() - o.at.getTime(), halfLifeDays);
    const s = out.get(o.metric) ?? { ...EMPTY_SUMS };
    out.set(o.metric, { amount: s.amount + o.amount * d, weight: s.weight + o.weight * d, count: s.count + 1 });
  }
  return out;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** A vendor's own decayed mean of a metric, 0–1, or null without (weighted) data. */
export function ownMean(sums: MetricSums): number | null {
  return sums.weight > 0 ? clamp01(sums.amount / sums.weight) : null;
}

/** The prior a metric is smoothed toward (see market-prior.ts), and how many outsourcers it averages. */
export interface MetricPrior {
  mean: number;
  vendors: number;
}

/**
 * Bayesian average: the prior counts as `priorWeight` observations at `priorMean`, so a vendor
 * with few (or old) observations stays near the marketplace prior.
 */
export function smooth(sums: MetricSums, priorMean: number, priorWeight: number): number {
  const denominator = priorWeight + sums.weight;
  if (denominator <= 0) return priorMean;
  return clamp01((priorWeight * priorMean + sums.amount) / denominator);
}

export interface MetricScore {
  metric: Metric;
  /** Smoothed value, 0–1: what the composite uses. */
  value: number;
  /** The vendor's own decayed mean, 0–1, or null without data. */
  mean: number | null;
  /** The prior it was smoothed toward. */
  priorMean: number;
  /** Observations counted (before decay). */
  samples: number;
  /** Decayed weight of those observations. */
  effectiveWeight: number;
  /** Weight of the metric in the composite, 0–1. */
  weight: number;
  /** Points this metric adds to the composite: 100 × weight × value. */
  points: number;
}

export interface VendorScore {
  /** 0–100 after audit effects: what clearing and rankings use. */
  composite: number;
  /** 0–100 before audit effects. */
  baseComposite: number;
  metrics: MetricScore[];
  audit: AuditState;
  /** An AUDIT FAIL without a later PASS: the vendor may not bid and its bids are not cleared. */
  suspended: boolean;
}

/** Applies the audit state to a composite (PRODUCT.md section 9). */
export function applyAudit(baseComposite: number, audit: AuditState): number {
  return audit === 'CONDITIONAL' ? baseComposite * CONDITIONAL_MULTIPLIER : baseComposite;
}

/** Scores one vendor from its decayed sums and the priors (`marketPriors`; a metric without one gets 0.5). */
export function scoreVendor(
  vendor: ReadonlyMap<Metric, MetricSums>,
  priors: ReadonlyMap<Metric, Pick<MetricPrior, 'mean'>>,
  policy: ScoringPolicy,
  audit: AuditState = 'NONE',
): VendorScore {
  const metrics = METRICS.map((metric): MetricScore => {
    const own = vendor.get(metric) ?? EMPTY_SUMS;
    const priorMean = priors.get(metric)?.mean ?? UNINFORMED_MEAN;
    const value = smooth(own, priorMean, policy.priorWeight);
    const weight = policy.weightsBp[metric] / WEIGHT_SCALE;
    return {
      metric,
      value,
      priorMean,
      weight,
      points: 100 * weight * value,
      mean: ownMean(own),
      samples: own.count,
      effectiveWeight: own.weight,
    };
  });
  const baseComposite = metrics.reduce((sum, m) => sum + m.points, 0);
  return { composite: applyAudit(baseComposite, audit), baseComposite, metrics, audit, suspended: audit === 'FAIL' };
}

/** Every way a scoring policy can be wrong; empty when it is valid. */
export function policyProblems(policy: ScoringPolicy): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  let total = 0;
  for (const metric of METRICS) {
    const w = policy.weightsBp[metric];
    if (!Number.isInteger(w) || w < 0 || w > WEIGHT_SCALE) {
      problems.push({ field: `weights.${metric}`, message: 'Each weight is 0 to 1 with at most 4 decimals' });
    }
    total += w;
  }
  if (problems.length === 0 && total !== WEIGHT_SCALE) {
    problems.push({ field: 'weights', message: `Weights must sum to exactly 1 (they sum to ${total / WEIGHT_SCALE})` });
  }
  if (!(Number.isFinite(policy.priorWeight) && policy.priorWeight >= 0 && policy.priorWeight <= 100_000)) {
    problems.push({ field: 'priorWeight', message: 'priorWeight is 0 to 100,000 observations' });
  }
  if (!(Number.isFinite(policy.halfLifeDays) && policy.halfLifeDays >= 1 && policy.halfLifeDays <= 3_650)) {
    problems.push({ field: 'halfLifeDays', message: 'halfLifeDays is 1 to 3,650 days' });
  }
  return problems;
}

/** Which kinds of quality event exist (PRODUCT.md section 8). */
export type QualityEventKind = 'CSAT' | 'QA_SCORE' | 'FCR' | 'ESCALATION' | 'COMPLAINT' | 'AUDIT';

/** A quality event's value, already checked for range by the caller (see `eventValueProblem`). */
export interface EventValue {
  kind: QualityEventKind;
  /** CSAT 1–5, QA 0–100; FCR 1 (resolved first time) or 0. Unused for the other kinds. */
  value: number | null;
}

/**
 * The observation an event adds, or null for AUDIT events (which change the audit state rather
 * than a metric).
 */
export function observationOf(e: EventValue): { metric: Metric; amount: number; weight: number } | null {
  switch (e.kind) {
    case 'CSAT':
      return { metric: 'CSAT', amount: (e.value! - 1) / 4, weight: 1 };
    case 'QA_SCORE':
      return { metric: 'QA', amount: e.value! / 100, weight: 1 };
    case 'FCR':
      return { metric: 'FCR', amount: e.value!, weight: 1 };
    case 'ESCALATION':
      return { metric: 'ESCALATION', amount: -1, weight: 0 };
    case 'COMPLAINT':
      return { metric: 'COMPLAINT', amount: -1, weight: 0 };
    case 'AUDIT':
      return null;
  }
}

/** Why an event's value is out of range for its kind, or null when it is fine. */
export function eventValueProblem(e: EventValue): string | null {
  const v = e.value;
  switch (e.kind) {
    case 'CSAT':
      return v !== null && Number.isFinite(v) && v >= 1 && v <= 5 ? null : 'A CSAT score is 1 to 5';
    case 'QA_SCORE':
      return v !== null && Number.isFinite(v) && v >= 0 && v <= 100 ? null : 'A QA score is 0 to 100';
    case 'FCR':
      return v === 0 || v === 1 ? null : 'FCR needs `resolved` (true or false)';
    default:
      return v === null ? null : `${e.kind} events carry no score`;
  }
}

/** What one delivered contract interval adds: adherence, service level and contacts handled. */
export function deliveryObservations(d: {
  staffedSeatHours: number;
  awardedSeatHours: number;
  contactsHandled: number;
  serviceLevelAchieved: number | null;
  serviceLevelTarget: number;
}): { metric: Metric; amount: number; weight: number }[] {
  const out: { metric: Metric; amount: number; weight: number }[] = [];
  if (d.awardedSeatHours > 0) out.push({ metric: 'ADHERENCE', amount: Math.min(1, d.staffedSeatHours / d.awardedSeatHours), weight: 1 });
  if (d.serviceLevelAchieved !== null && d.serviceLevelTarget > 0) {
    out.push({ metric: 'SERVICE_LEVEL', amount: Math.min(1, d.serviceLevelAchieved / d.serviceLevelTarget), weight: 1 });
  }
  if (d.contactsHandled > 0) {
    out.push({ metric: 'ESCALATION', amount: d.contactsHandled, weight: d.contactsHandled });
    out.push({ metric: 'COMPLAINT', amount: d.contactsHandled, weight: d.contactsHandled });
  }
  return out;
}

/**
 * The score of a vendor for a piece of work: the mean of its scores in the specific scopes the
 * work names (each required skill, the channel) where it has one, else its overall score.
 */
export function scopedComposite(scores: ReadonlyMap<string, number>, skills: readonly string[], channel: string | null): number | undefined {
  const specific = [...skills.map((s) => skillScope(s)), ...(channel ? [channelScope(channel)] : [])]
    .map((scope) => scores.get(scope))
    .filter((s): s is number => s !== undefined);
  if (specific.length) return specific.reduce((a, b) => a + b, 0) / specific.length;
  return scores.get(OVERALL_SCOPE);
}

/** Score scopes: overall, per skill tag, per channel. */
export const OVERALL_SCOPE = '';
export const skillScope = (skill: string) => `skill:${skill}`;
export const channelScope = (channel: string) => `channel:${channel}`;

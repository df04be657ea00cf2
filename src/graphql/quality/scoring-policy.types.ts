/** GraphQL shapes of the scoring policy: its weights, the input that sets a new version, and the policy read. */
import { IsNumber, Max, Min, ValidateNested } from 'class-validator';
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import type { VersionedPolicy } from '../../domain/quality/scoring-policy.js';
import { METRICS, WEIGHT_SCALE } from '../../domain/quality/scoring.js';

@ObjectType('MetricWeights', { description: 'Weight of each metric in the composite (sums to 1).' })
export class MetricWeightsType {
  @Field(() => Float, { description: 'CSAT.' }) csat!: number;
  @Field(() => Float, { description: 'QA score.' }) qa!: number;
  @Field(() => Float, { description: 'First-contact resolution.' }) fcr!: number;
  @Field(() => Float, { description: 'Adherence (staffed ÷ awarded).' }) adherence!: number;
  @Field(() => Float, { description: 'Service-level attainment.' }) serviceLevel!: number;
  @Field(() => Float, { description: '1 − escalation rate.' }) escalation!: number;
  @Field(() => Float, { description: '1 − complaint rate.' }) complaint!: number;
}

@InputType({ description: 'Weight of each metric: 0 to 1 with at most 4 decimals, summing to exactly 1.' })
export class MetricWeightsInput {
  @Field(() => Float, { description: 'CSAT.' }) @IsNumber() csat!: number;
  @Field(() => Float, { description: 'QA score.' }) @IsNumber() qa!: number;
  @Field(() => Float, { description: 'First-contact resolution.' }) @IsNumber() fcr!: number;
  @Field(() => Float, { description: 'Adherence.' }) @IsNumber() adherence!: number;
  @Field(() => Float, { description: 'Service-level attainment.' }) @IsNumber() serviceLevel!: number;
  @Field(() => Float, { description: 'Escalations.' }) @IsNumber() escalation!: number;
  @Field(() => Float, { description: 'Complaints.' }) @IsNumber() complaint!: number;
}

const KEYS = {
  CSAT: 'csat',
  QA: 'qa',
  FCR: 'fcr',
  ADHERENCE: 'adherence',
  SERVICE_LEVEL: 'serviceLevel',
  ESCALATION: 'escalation',
  COMPLAINT: 'complaint',
} as const;

/** Weights as given (fractions) to basis points; a non-integer result is left for the domain to refuse. */
export function weightsToBp(w: MetricWeightsInput): Record<(typeof METRICS)[number], number> {
  return Object.fromEntries(
    METRICS.map((m) => {
      const bp = w[KEYS[m]] * WEIGHT_SCALE;
      const rounded = Math.round(bp);
      return [m, Math.abs(bp - rounded) < 1e-6 ? rounded : bp];
    }),
  ) as Record<(typeof METRICS)[number], number>;
}

@InputType({ description: 'A new scoring policy (operator only).' })
export class ScoringPolicyInput {
  @Field(() => MetricWeightsInput, { description: 'Metric weights.' }) @ValidateNested() weights!: MetricWeightsInput;
  @Field(() => Float, { description: 'Weight of the marketplace prior (the mean of the outsourcers’ own means), in observations (0–100,000).' })
  @IsNumber()
  @Min(0)
  @Max(100_000)
  priorWeight!: number;
  @Field(() => Float, { description: 'Half-life of an observation’s weight, in days (1–3,650).' }) @IsNumber() @Min(1) @Max(3_650) halfLifeDays!: number;
}

@ObjectType('ScoringPolicy', { description: 'How scores are computed (PRODUCT.md section 9).' })
export class ScoringPolicyType {
  @Field(() => Int, { description: 'Version; every scoring run records the one it used.' }) version!: number;
  @Field(() => MetricWeightsType, { description: 'Metric weights.' }) weights!: MetricWeightsType;
  @Field(() => Float, { description: 'Weight of the marketplace prior (the mean of the outsourcers’ own means), in observations.' }) priorWeight!: number;
  @Field(() => Float, { description: 'Half-life in days.' }) halfLifeDays!: number;
  @Field(() => Float, { description: 'Factor applied to the composite after a CONDITIONAL audit.' }) conditionalMultiplier!: number;
  @Field(() => Date, { description: 'When this version was set.' }) createdAt!: Date;

  static from(p: VersionedPolicy, conditionalMultiplier: number): ScoringPolicyType {
    const weights = Object.fromEntries(METRICS.map((m) => [KEYS[m], p.weightsBp[m] / WEIGHT_SCALE]));
    return Object.assign(new ScoringPolicyType(), {
      version: p.version,
      weights: Object.assign(new MetricWeightsType(), weights),
      priorWeight: p.priorWeight,
      halfLifeDays: p.halfLifeDays,
      conditionalMultiplier,
      createdAt: p.createdAt,
    });
  }
}

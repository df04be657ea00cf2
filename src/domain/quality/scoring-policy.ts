import type { EntityManager } from '@mikro-orm/postgresql';
import type { ScoringPolicySchema } from '../../persistence/entities/quality.js';
import type { RowOf } from '../../persistence/rows.js';
import { requireRole, type Principal } from '../access/principal.js';
import { recordInternalEvent } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { policyProblems, type ScoringPolicy } from './scoring.js';

export interface VersionedPolicy extends ScoringPolicy {
  version: number;
  createdAt: Date;
}

type PolicyRow = Pick<RowOf<typeof ScoringPolicySchema>, 'version' | 'weights_bp' | 'prior_weight' | 'half_life_days' | 'created_at'>;

const toPolicy = (r: PolicyRow): VersionedPolicy => ({
  version: r.version,
  weightsBp: r.weights_bp,
  priorWeight: Number(r.prior_weight),
  halfLifeDays: Number(r.half_life_days),
  createdAt: new Date(r.created_at),
});

/** The scoring policy in force: the latest version (version 1 holds PRODUCT.md's defaults). */
export async function currentPolicy(em: EntityManager): Promise<VersionedPolicy> {
  const [row] = await em.execute<PolicyRow[]>(
    'select version, weights_bp, prior_weight, half_life_days, created_at from scoring_policy order by version desc limit 1',
  );
  return toPolicy(row!);
}

/**
 * Sets the weights, prior weight and half-life (operator only) as a new policy version; old
 * versions stay, and every scoring run records the version it used. A `quality.policy_changed`
 * internal event in the same transaction has every vendor rescored under it at once.
 */
export async function setScoringPolicy(em: EntityManager, clock: Clock, actor: Principal | null, policy: ScoringPolicy): Promise<Result<VersionedPolicy>> {
  const p = requireRole(actor, 'OPERATOR');
  // One policy serves every world: a sandbox's operator view reads it but may not change it.
  if (p.sandboxId) throw new AccessError('FORBIDDEN', 'The scoring policy is the live operator’s; a sandbox uses it as it is');
  const problems = policyProblems(policy);
  if (problems.length) return fail('VALIDATION', problems.map((x) => x.message).join('; '), `input.${problems[0]!.field}`);
  const now = clock.now();
  return em.transactional(async (tem) => {
    await tem.execute('lock table scoring_policy in share row exclusive mode');
    const [row] = await tem.execute<PolicyRow[]>(
      `insert into scoring_policy (version, weights_bp, prior_weight, half_life_days, created_by, created_at)
       select max(version) + 1, ?::jsonb, ?, ?, ?, ? from scoring_policy
       returning version, weights_bp, prior_weight, half_life_days, created_at`,
      [JSON.stringify(policy.weightsBp), policy.priorWeight, policy.halfLifeDays, p.organizationId, now],
    );
    // After commit: everyone is rescored under the new version.
    recordInternalEvent(tem, 'quality.policy_changed', { version: row!.version }, now);
    return ok(toPolicy(row!));
  });
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationSchema } from '../../persistence/entities/access.js';
import type { QualityObservationSchema, ScoringRunSchema, VendorScoreHistorySchema } from '../../persistence/entities/quality.js';
import type { RowOf } from '../../persistence/rows.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { currentPolicy } from './scoring-policy.js';
import { marketPriors } from './market-prior.js';
import { EMPTY_SUMS, METRICS, OVERALL_SCOPE, scoreVendor, type AuditState, type Metric, type MetricSums } from './scoring.js';

export interface RecomputeOutcome {
  runId: string;
  computedAt: Date;
  vendors: number;
  scores: number;
  historyEntries: number;
}

/** Decayed sums per vendor, scope and metric; amount and weight are the decayed sums of those columns. */
type SumRow = Pick<RowOf<typeof QualityObservationSchema>, 'vendor_id' | 'metric' | 'amount' | 'weight'> & { scope: string; n: number; fresh: number };

/** A composite must move at least this much (or new data arrive) to earn a history entry. */
const HISTORY_STEP = 0.01;

/**
 * Recomputes every vendor's scores from all observations as of now (PRODUCT.md section 9):
 * overall and per scope (skill tag, channel) where the vendor has data, each smoothed toward the
 * marketplace prior of the metric: the mean of the outsourcers' own overall means, each counting
 * once (`marketPriors`). Observations excluded as evidence beyond its bounds (an
 * `excluded_reason`, see rating-evidence.ts) are kept for history but not counted. The prior and
 * time decay move every score, so
 * there is no partial update: each run scores everyone, and concurrent runs queue on an advisory
 * lock so a later run always sees at least what an earlier one did.
 *
 * A history entry records each score that moved, with the observations that arrived since the
 * previous run, so anyone entitled can see why.
 */
export async function recomputeScores(em: EntityManager, clock: Clock, sandboxId: string | null = null): Promise<RecomputeOutcome> {
  // Each world (live, or one sandbox on its test clock) is scored on its own: its vendors, its
  // observations, its own prior, its own runs. `w` is the world as a parameter.
  const w = sandboxId;
  return em.transactional(async (tem) => {
    await tem.execute(`select pg_advisory_xact_lock(hashtext('burst-exchange:quality-recompute:' || coalesce(?::text, 'live')))`, [w]);
    const now = clock.now();
    const policy = await currentPolicy(tem);
    const [last] = await tem.execute<Pick<RowOf<typeof ScoringRunSchema>, 'computed_at'>[]>(
      'select computed_at from scoring_run where sandbox_id is not distinct from ?::uuid order by computed_at desc limit 1',
      [w],
    );
    const since = last?.computed_at ?? new Date(0);
    const halfLifeSeconds = policy.halfLifeDays * 86_400;

    const [rows, vendors, previous] = await Promise.all([
      tem.execute<SumRow[]>(
        `select o.vendor_id, sc.scope, o.metric, sum(o.amount * d.f) as amount, sum(o.weight * d.f) as weight,
                count(*)::int as n, count(*) filter (where o.recorded_at > ?)::int as fresh
           from quality_observation o
           cross join lateral (select power(0.5::float8, least(1000, greatest(0, extract(epoch from (?::timestamptz - o.observed_at)) / ?))) as f) d
           cross join lateral unnest(array[''] || o.scopes) as sc(scope)
          where o.excluded_reason is null
            and o.vendor_id in (select id from organization where sandbox_id is not distinct from ?::uuid)
          group by 1, 2, 3`,
        [since, now, halfLifeSeconds, w],
      ),
      tem.execute<(Pick<RowOf<typeof OrganizationSchema>, 'id' | 'vendor_type'> & { audit: AuditState })[]>(
        `select o.id, coalesce(a.state, 'NONE') as audit, o.vendor_type from organization o left join vendor_audit a on a.vendor_id = o.id
          where o.kind = 'VENDOR' and o.sandbox_id is not distinct from ?::uuid`,
        [w],
      ),
      tem.execute<Pick<RowOf<typeof VendorScoreHistorySchema>, 'vendor_id' | 'scope' | 'composite' | 'audit_state'>[]>(
        `select distinct on (vendor_id, scope) vendor_id, scope, composite, audit_state
           from vendor_score_history
          where vendor_id in (select id from organization where sandbox_id is not distinct from ?::uuid)
          order by vendor_id, scope, computed_at desc, id desc`,
        [w],
      ),
    ]);

    const byVendor = new Map<string, Map<string, { sums: Map<Metric, MetricSums>; fresh: Partial<Record<Metric, number>> }>>();
    let observations = 0;
    for (const r of rows) {
      const scopes = byVendor.get(r.vendor_id) ?? new Map();
      byVendor.set(r.vendor_id, scopes);
      const entry = scopes.get(r.scope) ?? { sums: new Map(), fresh: {} };
      scopes.set(r.scope, entry);
      const sums = { amount: Number(r.amount), weight: Number(r.weight), count: r.n };
      entry.sums.set(r.metric, sums);
      if (r.fresh) entry.fresh[r.metric] = r.fresh;
      if (r.scope === OVERALL_SCOPE) observations += r.n;
    }
    const overall = vendors.map((v) => ({ vendorType: v.vendor_type, sums: byVendor.get(v.id)?.get(OVERALL_SCOPE)?.sums ?? new Map<Metric, MetricSums>() }));
    const market = marketPriors(overall);
    const lastEntry = new Map(previous.map((p) => [`${p.vendor_id}|${p.scope}`, p]));

    const runId = uuidv7(now.getTime());
    const scoreRows: unknown[] = [];
    const historyRows: unknown[] = [];
    for (const vendor of vendors) {
      const scopes = byVendor.get(vendor.id) ?? new Map([[OVERALL_SCOPE, { sums: new Map(), fresh: {} }]]);
      if (!scopes.has(OVERALL_SCOPE)) scopes.set(OVERALL_SCOPE, { sums: new Map(), fresh: {} });
      for (const [scope, { sums, fresh }] of scopes) {
        const s = scoreVendor(sums, market, policy, vendor.audit);
        const metrics = s.metrics;
        const samples = s.metrics.reduce((a, m) => a + m.samples, 0);
        scoreRows.push({ vendor_id: vendor.id, scope, base_composite: s.baseComposite, metrics, samples });
        const before = lastEntry.get(`${vendor.id}|${scope}`);
        const moved =
          !before || before.audit_state !== vendor.audit || Math.abs(before.composite - s.composite) >= HISTORY_STEP || Object.keys(fresh).length > 0;
        if (moved) {
          historyRows.push({
            id: uuidv7(now.getTime()),
            vendor_id: vendor.id,
            scope,
            base_composite: s.baseComposite,
            composite: s.composite,
            previous_composite: before?.composite ?? null,
            audit_state: vendor.audit,
            metrics,
            new_observations: fresh,
          });
        }
      }
    }

    const marketScore = scoreVendor(new Map(), market, policy);
    await tem.execute(
      `insert into scoring_run (id, computed_at, policy_version, market, market_composite, observations, sandbox_id) values (?, ?, ?, ?::jsonb, ?, ?, ?)`,
      [
        runId,
        now,
        policy.version,
        JSON.stringify(
          Object.fromEntries(
            METRICS.map((m) => {
              const samples = overall.reduce((a, o) => a + (o.vendorType === 'OUTSOURCER' ? (o.sums.get(m) ?? EMPTY_SUMS).count : 0), 0);
              return [m, { mean: market.get(m)!.mean, vendors: market.get(m)!.vendors, samples }];
            }),
          ),
        ),
        marketScore.composite,
        observations,
        w,
      ],
    );
    if (scoreRows.length) {
      await tem.execute(
        `insert into vendor_score (vendor_id, scope, base_composite, metrics, samples, run_id, computed_at)
         select x.vendor_id, x.scope, x.base_composite, x.metrics, x.samples, ?, ?
           from json_to_recordset(?::json) as x(vendor_id uuid, scope text, base_composite double precision, metrics jsonb, samples int)
         on conflict (vendor_id, scope) do update set base_composite = excluded.base_composite, metrics = excluded.metrics,
           samples = excluded.samples, run_id = excluded.run_id, computed_at = excluded.computed_at`,
        [runId, now, JSON.stringify(scoreRows)],
      );
    }
    if (historyRows.length) {
      await tem.execute(
        `insert into vendor_score_history (id, vendor_id, scope, base_composite, composite, previous_composite, audit_state, metrics, new_observations, run_id, computed_at)
         select x.id, x.vendor_id, x.scope, x.base_composite, x.composite, x.previous_composite, x.audit_state, x.metrics, x.new_observations, ?, ?
           from json_to_recordset(?::json) as x(id uuid, vendor_id uuid, scope text, base_composite double precision, composite double precision,
                                               previous_composite double precision, audit_state text, metrics jsonb, new_observations jsonb)`,
        [runId, now, JSON.stringify(historyRows)],
      );
    }
    return { runId, computedAt: now, vendors: vendors.length, scores: scoreRows.length, historyEntries: historyRows.length };
  });
}

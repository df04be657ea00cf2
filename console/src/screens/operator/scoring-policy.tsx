import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { firstError } from '../../lib/errors';
import { formatDateTime, localZone } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { errorFor, FormError, TextField, type UserErrorLike } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';

const PolicyQuery = graphql(`
  query ScoringPolicy {
    scoringPolicy {
      version
      priorWeight
      halfLifeDays
      conditionalMultiplier
      createdAt
      weights {
        csat
        qa
        fcr
        adherence
        serviceLevel
        escalation
        complaint
      }
    }
  }
`);

const SetPolicy = graphql(`
  mutation SetScoringPolicy($input: ScoringPolicyInput!) {
    setScoringPolicy(input: $input) {
      __typename
      ... on ScoringPolicy {
        version
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

const METRICS = ['csat', 'qa', 'fcr', 'adherence', 'serviceLevel', 'escalation', 'complaint'] as const;
type Metric = (typeof METRICS)[number];
const LABELS: Record<Metric, string> = {
  csat: 'CSAT',
  qa: 'QA',
  fcr: 'First-contact resolution',
  adherence: 'Adherence',
  serviceLevel: 'Service level',
  escalation: 'Escalation',
  complaint: 'Complaint',
};

/** The scoring policy in force and a new version of it: metric weights summing to 1, the prior's weight and the half-life. */
export function ScoringPolicy() {
  useTitle('Scoring policy');
  const [result, refetch] = useQuery({ query: PolicyQuery, requestPolicy: 'cache-and-network' });
  const [saving, save] = useMutation(SetPolicy);
  const [form, setForm] = useState<Record<string, string> | null>(null);
  const [error, setError] = useState<UserErrorLike | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const policy = result.data?.scoringPolicy;
  useEffect(() => {
    if (policy && !form)
      setForm({
        ...Object.fromEntries(METRICS.map((m) => [m, String(policy.weights[m])])),
        priorWeight: String(policy.priorWeight),
        halfLifeDays: String(policy.halfLifeDays),
      });
  }, [policy, form]);
  const sum = form ? METRICS.reduce((s, m) => s + Math.round(Number(form[m] || 0) * 10_000), 0) / 10_000 : 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    setError(null);
    setSaved(null);
    const r = await save({
      input: {
        weights: Object.fromEntries(METRICS.map((m) => [m, Number(form[m])])) as Record<Metric, number>,
        priorWeight: Number(form.priorWeight),
        halfLifeDays: Number(form.halfLifeDays),
      },
    });
    const answer = r.data?.setScoringPolicy;
    if (!answer) return setError(firstError(r.error));
    if (answer.__typename !== 'ScoringPolicy') return setError(answer as UserErrorLike);
    setSaved(`Version ${answer.version} is in force; scores are recomputed shortly.`);
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <section>
      <PageHeader
        title="Scoring policy"
        sub="How vendor quality scores are computed (docs/quality.md). A change applies to every vendor from the next scoring run."
      />
      <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })}>
        {(d) => (
          <>
            <p>
              Version {d.scoringPolicy.version}, since {formatDateTime(d.scoringPolicy.createdAt, localZone())}. Conditional audits multiply the score by{' '}
              {d.scoringPolicy.conditionalMultiplier}.
            </p>
            {form && (
              <form onSubmit={submit} noValidate className="panel">
                <fieldset>
                  <legend>Metric weights (sum {sum.toFixed(4)}; must be exactly 1)</legend>
                  <div className="seat-grid">
                    {METRICS.map((m) => (
                      <TextField
                        key={m}
                        label={LABELS[m]}
                        type="number"
                        min={0}
                        max={1}
                        step="0.01"
                        value={form[m]}
                        onChange={(e) => setForm({ ...form, [m]: e.target.value })}
                        error={errorFor(error, `input.weights.${m}`)}
                      />
                    ))}
                  </div>
                  {errorFor(error, 'input.weights') && !error?.field?.startsWith('input.weights.') && (
                    <p className="field-error" role="alert">
                      {error!.message}
                    </p>
                  )}
                </fieldset>
                <div className="row">
                  <TextField
                    label="Prior weight (observations)"
                    type="number"
                    min={0}
                    value={form.priorWeight}
                    onChange={(e) => setForm({ ...form, priorWeight: e.target.value })}
                    error={errorFor(error, 'input.priorWeight')}
                  />
                  <TextField
                    label="Half-life (days)"
                    type="number"
                    min={1}
                    value={form.halfLifeDays}
                    onChange={(e) => setForm({ ...form, halfLifeDays: e.target.value })}
                    error={errorFor(error, 'input.halfLifeDays')}
                  />
                </div>
                <FormError error={error && !error.field?.startsWith('input.') ? error.message : null} />
                {saved && (
                  <p className="success" role="status">
                    {saved}
                  </p>
                )}
                <button type="submit" disabled={saving.fetching}>
                  Save a new version
                </button>
              </form>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

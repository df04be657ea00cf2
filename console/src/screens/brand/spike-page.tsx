import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { formatDateTime, formatMoney, formatPercent } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { firstError } from '../../lib/errors';
import { FormError, type UserErrorLike } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';
import { useViewer } from '../../viewer';
import { StaffingTable } from './staffing-table';
import { Awards } from './awards';
import { CoverageChart } from './coverage-chart';
import { RoutingPlan } from './routing-plan';

const SpikeOverview = graphql(`
  query SpikeOverview($id: UUID!) {
    demandSpike(id: $id) {
      id
      title
      status
      channel
      timeZone
      intervalMinutes
      biddingClosesAt
      serviceLevelTarget
      serviceLevelSeconds
      totalRequiredSeats
      requiredSkills
      requiredCertifications
      outsourcingModel
      reserveRate {
        amountMinor
        currency
      }
      intervals {
        index
        startsAt
        endsAt
        forecastContacts
        ahtSeconds
        trafficErlangs
        agents
        requiredSeats
        serviceLevelAtRequired
      }
    }
    clearingFailure(spikeId: $id) {
      code
      message
      attempts
      lastFailedAt
    }
  }
`);

const Transition = graphql(`
  mutation SpikeTransition($id: UUID!, $publish: Boolean!, $close: Boolean!, $cancel: Boolean!) {
    publishDemandSpike(spikeId: $id) @include(if: $publish) {
      __typename
      ... on UserError {
        code
        message
        field
      }
    }
    closeBidding(spikeId: $id) @include(if: $close) {
      __typename
      ... on UserError {
        code
        message
        field
      }
    }
    cancelDemandSpike(spikeId: $id) @include(if: $cancel) {
      __typename
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

const CLEARED = ['AWARDED', 'IN_DELIVERY', 'COMPLETED', 'SETTLED'];

/** One spike: its terms and demand, its lifecycle actions, and after clearing its coverage, awards and routing plan. */
export function SpikePage({ id }: { id: string }) {
  const viewer = useViewer();
  const [result, refetch] = useQuery({ query: SpikeOverview, variables: { id }, requestPolicy: 'cache-and-network' });
  const [acting, act] = useMutation(Transition);
  const [error, setError] = useState<UserErrorLike | null>(null);
  const [confirm, setConfirm] = useState<'close' | 'cancel' | null>(null);
  const spike = result.data?.demandSpike;
  useTitle(spike?.title ?? 'Spike');

  // Clearing runs in a worker right after the close: look again until it has.
  const clearing = spike?.status === 'CLOSED';
  useEffect(() => {
    if (!clearing) return;
    const t = setInterval(() => refetch({ requestPolicy: 'network-only' }), 1_500);
    return () => clearInterval(t);
  }, [clearing, refetch]);

  const run = async (what: 'publish' | 'close' | 'cancel') => {
    setError(null);
    setConfirm(null);
    const r = await act({ id, publish: what === 'publish', close: what === 'close', cancel: what === 'cancel' });
    const answer = r.data?.publishDemandSpike ?? r.data?.closeBidding ?? r.data?.cancelDemandSpike;
    if (!answer) setError(firstError(r.error));
    else if (answer.__typename !== 'DemandSpike') setError(answer as UserErrorLike);
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Loading the spike">
      {(d) => {
        const s = d.demandSpike;
        const mayChange = viewer.role === 'BRAND' || viewer.role === 'OPERATOR';
        return (
          <section>
            <PageHeader
              title={s.title}
              sub={
                <>
                  <Status value={s.status} /> · {s.channel.toLowerCase()} · {s.intervals.length} intervals of {s.intervalMinutes} minutes · times in{' '}
                  {s.timeZone}
                </>
              }
            >
              {mayChange && s.status === 'DRAFT' && viewer.role === 'BRAND' && (
                <button type="button" onClick={() => void run('publish')} disabled={acting.fetching}>
                  Publish
                </button>
              )}
              {mayChange && s.status === 'OPEN' && (
                <button type="button" onClick={() => setConfirm('close')} disabled={acting.fetching}>
                  Close bidding early
                </button>
              )}
              {mayChange && (s.status === 'DRAFT' || s.status === 'OPEN') && (
                <button type="button" className="danger" onClick={() => setConfirm('cancel')} disabled={acting.fetching}>
                  Cancel spike
                </button>
              )}
            </PageHeader>
            {confirm && (
              <div className="confirm" role="alertdialog" aria-labelledby="confirm-text">
                <p id="confirm-text">
                  {confirm === 'close'
                    ? 'Close bidding now? No more bids are accepted and the spike is cleared at once.'
                    : 'Cancel this spike? Vendors can no longer bid and nothing will be awarded.'}
                </p>
                <button type="button" onClick={() => void run(confirm)} autoFocus>
                  {confirm === 'close' ? 'Yes, close bidding' : 'Yes, cancel the spike'}
                </button>
                <button type="button" className="secondary" onClick={() => setConfirm(null)}>
                  Keep it
                </button>
              </div>
            )}
            <FormError error={error?.message} />
            {d.clearingFailure && (
              <div className="state error" role="alert">
                <p>
                  Clearing failed {d.clearingFailure.attempts} time(s) ({d.clearingFailure.code}): {d.clearingFailure.message} It is retried automatically.
                </p>
              </div>
            )}
            <dl className="terms">
              <div>
                <dt>Bidding closes</dt>
                <dd>{formatDateTime(s.biddingClosesAt, s.timeZone)}</dd>
              </div>
              <div>
                <dt>Reserve rate</dt>
                <dd>{formatMoney(s.reserveRate)} per seat-hour</dd>
              </div>
              <div>
                <dt>Service level</dt>
                <dd>
                  {formatPercent(s.serviceLevelTarget, 0)} in {s.serviceLevelSeconds} s
                </dd>
              </div>
              <div>
                <dt>Skills</dt>
                <dd>{[...s.requiredSkills, ...s.requiredCertifications].join(', ') || 'none'}</dd>
              </div>
            </dl>
            {clearing && (
              <p className="state loading" role="status">
                <span className="spinner" aria-hidden="true" /> Bidding is closed; the spike is being cleared…
              </p>
            )}
            {CLEARED.includes(s.status) ? (
              <>
                <CoverageChart spikeId={s.id} timeZone={s.timeZone} />
                <Awards spikeId={s.id} currency={s.reserveRate.currency} />
                <RoutingPlan spikeId={s.id} title={s.title} timeZone={s.timeZone} />
              </>
            ) : (
              <section aria-labelledby="demand-heading">
                <h2 id="demand-heading">Demand</h2>
                <StaffingTable intervals={s.intervals} timeZone={s.timeZone} total={s.totalRequiredSeats} />
              </section>
            )}
          </section>
        );
      }}
    </QueryState>
  );
}

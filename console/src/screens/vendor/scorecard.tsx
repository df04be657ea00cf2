import { useMemo } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { formatDateTime, localZone } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { Chart } from '../../components/chart';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';
import { useViewer } from '../../viewer';

const ScorecardQuery = graphql(`
  query Scorecard($vendorId: UUID!) {
    vendorScorecard(vendorId: $vendorId) {
      vendorName
      composite
      baseComposite
      auditState
      suspended
      computedAt
      metrics {
        metric
        value
        weight
        points
        samples
      }
    }
    scoreHistory(vendorId: $vendorId, first: 100) {
      nodes {
        id
        computedAt
        composite
        previousComposite
        newObservations {
          metric
          count
        }
      }
    }
  }
`);

/** The vendor's own scorecard: composite, metric breakdown and how the score moved over time. */
export function Scorecard() {
  useTitle('Scorecard');
  const viewer = useViewer();
  const [result, refetch] = useQuery({ query: ScorecardQuery, variables: { vendorId: viewer.organization.id }, requestPolicy: 'cache-and-network' });
  const zone = localZone();
  const history = useMemo(() => [...(result.data?.scoreHistory.nodes ?? [])].reverse(), [result.data]);
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 40, right: 16, top: 24, bottom: 48 },
      xAxis: {
        type: 'category',
        data: history.map((h) => formatDateTime(h.computedAt, zone, { zone: false })),
        name: zone,
        nameLocation: 'middle',
        nameGap: 32,
      },
      yAxis: { type: 'value', min: 0, max: 100, name: 'score' },
      series: [{ name: 'Composite score', type: 'line', data: history.map((h) => Math.round(h.composite * 10) / 10), itemStyle: { color: '#2f5d8a' } }],
    }),
    [history, zone],
  );
  return (
    <section>
      <PageHeader title="Scorecard" sub="Your quality score (0–100), what it is made of, and how it moved. Clearing weighs your rate by it." />
      <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })}>
        {(d) => {
          const s = d.vendorScorecard;
          return (
            <>
              <dl className="terms">
                <div>
                  <dt>Composite</dt>
                  <dd className="big">{s.composite.toFixed(1)}</dd>
                </div>
                <div>
                  <dt>Before audit adjustments</dt>
                  <dd>{s.baseComposite.toFixed(1)}</dd>
                </div>
                <div>
                  <dt>Audit</dt>
                  <dd>
                    <Status value={s.auditState} /> {s.suspended && <strong>suspended from bidding</strong>}
                  </dd>
                </div>
                <div>
                  <dt>Computed</dt>
                  <dd>{s.computedAt ? formatDateTime(s.computedAt, zone) : 'not yet'}</dd>
                </div>
              </dl>
              <h2>History</h2>
              {history.length ? (
                <Chart option={option} label="Composite score over time">
                  <div className="table-wrap" tabIndex={0}>
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Computed ({zone})</th>
                          <th scope="col" className="num">
                            Score
                          </th>
                          <th scope="col">New observations</th>
                        </tr>
                      </thead>
                      <tbody>
                        {history.map((h) => (
                          <tr key={h.id}>
                            <th scope="row">{formatDateTime(h.computedAt, zone, { zone: false })}</th>
                            <td className="num">{h.composite.toFixed(1)}</td>
                            <td>{h.newObservations.map((o) => `${o.metric.toLowerCase()} ${o.count}`).join(', ') || 'decay or policy'}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </Chart>
              ) : (
                <p className="state empty">No score history yet: it starts with the first scoring run.</p>
              )}
              <h2>Metrics</h2>
              {s.metrics.length ? (
                <div className="table-wrap" tabIndex={0}>
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Metric</th>
                        <th scope="col" className="num">
                          Value (0–1)
                        </th>
                        <th scope="col" className="num">
                          Weight
                        </th>
                        <th scope="col" className="num">
                          Points
                        </th>
                        <th scope="col" className="num">
                          Samples
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.metrics.map((m) => (
                        <tr key={m.metric}>
                          <th scope="row">{m.metric.replace('_', ' ').toLowerCase()}</th>
                          <td className="num">{m.value.toFixed(3)}</td>
                          <td className="num">{m.weight}</td>
                          <td className="num">{m.points.toFixed(1)}</td>
                          <td className="num">{m.samples}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p className="state empty">No metrics yet: they appear after the first scoring run.</p>
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

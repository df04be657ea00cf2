import { useMemo } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { download } from '../../lib/api';
import { formatDateTime, formatMoney, formatPercent, formatRate, formatTime } from '../../lib/format';
import { Chart } from '../../components/chart';
import { QueryState } from '../../components/states';
import { Status } from '../../components/status';

const Coverage = graphql(`
  query Coverage($id: UUID!) {
    clearingResult(spikeId: $id) {
      clearedAt
      solver
      coveredSeatHours
      intervals {
        index
        startsAt
        requiredSeats
        awardedSeats
        unfilledSeats
        serviceLevelAtRequired
        serviceLevelAtAwarded
      }
    }
  }
`);

/** Per interval: required, awarded and unfilled seats, and the service level the awarded seats reach. */
export function CoverageChart({ spikeId, timeZone }: { spikeId: string; timeZone: string }) {
  const [result, refetch] = useQuery({ query: Coverage, variables: { id: spikeId } });
  const intervals = result.data?.clearingResult?.intervals;
  const option = useMemo(
    () =>
      intervals && {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 48, right: 56, top: 40, bottom: 32 },
        xAxis: { type: 'category', data: intervals.map((i) => formatTime(i.startsAt, timeZone)), name: timeZone, nameLocation: 'middle', nameGap: 24 },
        yAxis: [
          { type: 'value', name: 'seats', minInterval: 1 },
          { type: 'value', name: 'service level', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
        ],
        series: [
          { name: 'Awarded', type: 'bar', stack: 'seats', data: intervals.map((i) => i.awardedSeats), itemStyle: { color: '#2f5d8a' } },
          { name: 'Unfilled', type: 'bar', stack: 'seats', data: intervals.map((i) => i.unfilledSeats), itemStyle: { color: '#c0392b' } },
          { name: 'Required', type: 'line', step: 'middle', data: intervals.map((i) => i.requiredSeats), itemStyle: { color: '#222' }, symbol: 'none' },
          {
            name: 'Service level at awarded',
            type: 'line',
            yAxisIndex: 1,
            data: intervals.map((i) => (i.serviceLevelAtAwarded == null ? null : Math.round(Number(i.serviceLevelAtAwarded) * 1000) / 10)),
            itemStyle: { color: '#b05a00' },
          },
        ],
      },
    [intervals, timeZone],
  );
  return (
    <section aria-labelledby="coverage-heading">
      <h2 id="coverage-heading">Coverage</h2>
      <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} isEmpty={(d) => !d.clearingResult} empty="Not cleared yet.">
        {(d) => {
          const r = d.clearingResult!;
          const unfilled = r.intervals.reduce((s, i) => s + i.unfilledSeats, 0);
          return (
            <>
              <p>
                Cleared {formatDateTime(r.clearedAt, timeZone)} ({r.solver.toLowerCase()} solver): {Number(r.coveredSeatHours).toLocaleString('en-GB')}{' '}
                seat-hours covered
                {unfilled ? `, ${unfilled} seat-intervals unfilled (service level at risk where marked)` : ', every seat filled'}.
              </p>
              <Chart option={option!} label="Coverage per interval: required, awarded and unfilled seats, and service level at the awarded seats">
                <div className="table-wrap" tabIndex={0}>
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Start ({timeZone})</th>
                        <th scope="col" className="num">
                          Required
                        </th>
                        <th scope="col" className="num">
                          Awarded
                        </th>
                        <th scope="col" className="num">
                          Unfilled
                        </th>
                        <th scope="col" className="num">
                          Service level at awarded
                        </th>
                        <th scope="col" className="num">
                          at required
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.intervals.map((i) => (
                        <tr key={i.index} className={i.unfilledSeats ? 'at-risk' : undefined}>
                          <th scope="row">{formatDateTime(i.startsAt, timeZone, { zone: false })}</th>
                          <td className="num">{i.requiredSeats}</td>
                          <td className="num">{i.awardedSeats}</td>
                          <td className="num">{i.unfilledSeats}</td>
                          <td className="num">{formatPercent(i.serviceLevelAtAwarded)}</td>
                          <td className="num">{formatPercent(i.serviceLevelAtRequired)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </Chart>
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

const AwardsQuery = graphql(`
  query Awards($id: UUID!) {
    contracts(spikeId: $id, first: 100) {
      nodes {
        id
        status
        vendorId
        vendor {
          name
        }
        rate {
          amountMinor
          currency
        }
        totalSeatHours
        awardedValue {
          amountMinor
          currency
        }
      }
    }
    clearingResult(spikeId: $id) {
      bids {
        bidId
        vendorId
        vendor {
          name
          vendorType
        }
        status
        reason
        reasonDetail
        score
        adjustedRate
        awardedSeatHours
      }
    }
  }
`);

/** Awards by vendor, with names, the scores clearing used and the value of each award; then every bid's outcome and reason. */
export function Awards({ spikeId, currency }: { spikeId: string; currency: string }) {
  const [result, refetch] = useQuery({ query: AwardsQuery, variables: { id: spikeId } });
  return (
    <section aria-labelledby="awards-heading">
      <h2 id="awards-heading">Awards by vendor</h2>
      <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })}>
        {(d) => {
          const bids = d.clearingResult?.bids ?? [];
          const scoreOf = new Map(bids.map((b) => [b.vendorId, b]));
          return (
            <>
              {d.contracts.nodes.length === 0 ? (
                <p className="state empty">No vendor was awarded seats.</p>
              ) : (
                <div className="table-wrap" tabIndex={0}>
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Vendor</th>
                        <th scope="col" className="num">
                          Seat-hours
                        </th>
                        <th scope="col" className="num">
                          Rate
                        </th>
                        <th scope="col" className="num">
                          Score used
                        </th>
                        <th scope="col" className="num">
                          Adjusted rate
                        </th>
                        <th scope="col" className="num">
                          Value
                        </th>
                        <th scope="col">Contract</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.contracts.nodes.map((c) => (
                        <tr key={c.id}>
                          <th scope="row">{c.vendor.name}</th>
                          <td className="num">{Number(c.totalSeatHours).toLocaleString('en-GB')}</td>
                          <td className="num">{formatMoney(c.rate)}</td>
                          <td className="num">{scoreOf.get(c.vendorId)?.score.toFixed(1) ?? '—'}</td>
                          <td className="num">{formatRate(scoreOf.get(c.vendorId)?.adjustedRate, currency)}</td>
                          <td className="num">{formatMoney(c.awardedValue)}</td>
                          <td>
                            <Status value={c.status} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <h3>Every bid and why</h3>
              <div className="table-wrap" tabIndex={0}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Vendor</th>
                      <th scope="col">Outcome</th>
                      <th scope="col">Reason</th>
                      <th scope="col" className="num">
                        Score
                      </th>
                      <th scope="col" className="num">
                        Adjusted rate
                      </th>
                      <th scope="col" className="num">
                        Seat-hours won
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {bids.map((b) => (
                      <tr key={b.bidId}>
                        <th scope="row">
                          {b.vendor.name}
                          {b.vendor.vendorType === 'IN_HOUSE' ? ' (in-house)' : ''}
                        </th>
                        <td>
                          <Status value={b.status} />
                        </td>
                        <td>
                          {b.reason.replace(/_/g, ' ').toLowerCase()}
                          {b.reasonDetail ? `: ${b.reasonDetail}` : ''}
                        </td>
                        <td className="num">{b.score.toFixed(1)}</td>
                        <td className="num">{formatRate(b.adjustedRate, currency)}</td>
                        <td className="num">{Number(b.awardedSeatHours).toLocaleString('en-GB')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

const Routing = graphql(`
  query Routing($id: UUID!) {
    routingPlan(spikeId: $id) {
      csv
      intervals {
        index
        startsAt
        shares {
          vendorId
          vendorName
          seats
          basisPoints
        }
      }
    }
  }
`);

/** The routing plan for the brand's ACD: each vendor's share of traffic per interval, with the CSV the ACD loads. */
export function RoutingPlan({ spikeId, title, timeZone }: { spikeId: string; title: string; timeZone: string }) {
  const [result, refetch] = useQuery({ query: Routing, variables: { id: spikeId } });
  const filename = `routing-plan-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.csv`;
  return (
    <section aria-labelledby="routing-heading">
      <h2 id="routing-heading">Routing plan</h2>
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => !d.routingPlan}
        empty="No routing plan until the spike has cleared."
      >
        {(d) => (
          <>
            <button type="button" className="secondary" onClick={() => download(filename, d.routingPlan!.csv)}>
              Download routing plan (CSV)
            </button>
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Start ({timeZone})</th>
                    <th scope="col">Traffic share by vendor</th>
                  </tr>
                </thead>
                <tbody>
                  {d.routingPlan!.intervals.map((i) => (
                    <tr key={i.index}>
                      <th scope="row">{formatDateTime(i.startsAt, timeZone, { zone: false })}</th>
                      <td>
                        {i.shares.length
                          ? i.shares.map((s) => `${s.vendorName} ${(s.basisPoints / 100).toFixed(2)}% (${s.seats} seats)`).join(' · ')
                          : 'nothing awarded'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}

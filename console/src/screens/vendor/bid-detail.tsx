import { useMemo } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import type { BidDetailQuery } from '../../gql/graphql';
import { formatDateTime, formatMoney, formatRate, formatTime, rateForChart } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { Chart } from '../../components/chart';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';

const BidDetailQuery = graphql(`
  query BidDetail($id: UUID!) {
    bid(id: $id) {
      id
      status
      version
      note
      minSeatsPerInterval
      minTotalSeatHours
      rate {
        amountMinor
        currency
      }
      offered {
        index
        seats
      }
      spike {
        id
        title
        timeZone
        intervals {
          index
          startsAt
          requiredSeats
        }
      }
      outcome {
        status
        reason
        reasonDetail
        score
        adjustedRate
        awardedSeatHours
        bidToBeat {
          index
          ownAdjustedRate
          highestWinningAdjustedRate
          awardedSeats
        }
      }
    }
  }
`);

/** One bid: its terms, and after clearing its outcome with the bid to beat per interval. */
export function BidDetail({ id }: { id: string }) {
  const [result, refetch] = useQuery({ query: BidDetailQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  useTitle(result.data ? `Bid on ${result.data.bid.spike.title}` : 'Bid');
  return (
    <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Loading the bid">
      {(d) => <BidView bid={d.bid} />}
    </QueryState>
  );
}

function BidView({ bid }: { bid: BidDetailQuery['bid'] }) {
  const { spike, outcome } = bid;
  const currency = bid.rate.currency;
  const startOf = new Map(spike.intervals.map((i) => [i.index, i.startsAt]));
  const option = useMemo(
    () =>
      outcome && {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 56, right: 48, top: 40, bottom: 32 },
        xAxis: {
          type: 'category',
          data: outcome.bidToBeat.map((b) => formatTime(startOf.get(b.index) ?? '', spike.timeZone)),
          name: spike.timeZone,
          nameLocation: 'middle',
          nameGap: 24,
        },
        yAxis: [
          { type: 'value', name: `${currency}/seat-h`, scale: true },
          { type: 'value', name: 'seats won', minInterval: 1 },
        ],
        series: [
          { name: 'Seats won', type: 'bar', yAxisIndex: 1, data: outcome.bidToBeat.map((b) => b.awardedSeats), itemStyle: { color: '#9db4cc' } },
          {
            name: 'Your adjusted rate',
            type: 'line',
            data: outcome.bidToBeat.map((b) => rateForChart(b.ownAdjustedRate, currency)),
            itemStyle: { color: '#2f5d8a' },
          },
          {
            name: 'Bid to beat (highest winning)',
            type: 'line',
            data: outcome.bidToBeat.map((b) => rateForChart(b.highestWinningAdjustedRate, currency)),
            itemStyle: { color: '#b05a00' },
          },
        ],
      },
    [outcome, currency, spike.timeZone],
  );
  return (
    <section>
      <PageHeader title={`Bid on ${spike.title}`} sub={<Status value={bid.status} />} />
      <dl className="terms">
        <div>
          <dt>Rate</dt>
          <dd>{formatMoney(bid.rate)} per seat-hour</dd>
        </div>
        <div>
          <dt>Offered</dt>
          <dd>{bid.offered.reduce((s, o) => s + o.seats, 0)} seat-intervals</dd>
        </div>
        <div>
          <dt>Minimums</dt>
          <dd>
            {bid.minSeatsPerInterval ?? '—'} seats per interval, {bid.minTotalSeatHours ?? '—'} seat-hours in all
          </dd>
        </div>
      </dl>
      {!outcome ? (
        <p className="state empty">No outcome yet: the spike has not cleared.</p>
      ) : (
        <section aria-labelledby="outcome-heading">
          <h2 id="outcome-heading">Outcome: {outcome.status.toLowerCase()}</h2>
          <p>
            Reason: <strong>{outcome.reason.replace(/_/g, ' ').toLowerCase()}</strong>
            {outcome.reasonDetail ? ` (${outcome.reasonDetail})` : ''}. Score used {outcome.score.toFixed(1)}, adjusted rate{' '}
            {formatRate(outcome.adjustedRate, currency)}, {Number(outcome.awardedSeatHours).toLocaleString('en-GB')} seat-hours won.
          </p>
          <Chart option={option!} label="Bid to beat per interval: your value-adjusted rate against the highest adjusted rate that still won">
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Start ({spike.timeZone})</th>
                    <th scope="col" className="num">
                      Your adjusted rate
                    </th>
                    <th scope="col" className="num">
                      Bid to beat
                    </th>
                    <th scope="col" className="num">
                      Seats won
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {outcome.bidToBeat.map((b) => (
                    <tr key={b.index}>
                      <th scope="row">{formatDateTime(startOf.get(b.index) ?? '', spike.timeZone, { zone: false })}</th>
                      <td className="num">{formatRate(b.ownAdjustedRate, currency)}</td>
                      <td className="num">{formatRate(b.highestWinningAdjustedRate, currency)}</td>
                      <td className="num">{b.awardedSeats}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Chart>
        </section>
      )}
    </section>
  );
}

import { useMemo } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { formatDateTime, formatPercent, formatTime } from '../../lib/format';
import { Chart } from '../../components/chart';
import { QueryState } from '../../components/states';

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

import { useMemo } from 'react';
import { formatDateTime, formatPercent, formatTime } from '../../lib/format';
import { Chart } from '../../components/chart';

interface Interval {
  index: number;
  startsAt: string;
  forecastContacts?: number | null;
  ahtSeconds?: number | null;
  trafficErlangs?: number | null;
  agents?: number | null;
  requiredSeats: number;
  serviceLevelAtRequired?: number | null;
}

/** Derived seats and service level per interval, as a chart and a table (times in the spike's zone). */
export function StaffingTable({ intervals, timeZone, total }: { intervals: readonly Interval[]; timeZone: string; total: number }) {
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 56, top: 36, bottom: 32 },
      xAxis: { type: 'category', data: intervals.map((i) => formatTime(i.startsAt, timeZone)), name: timeZone, nameLocation: 'middle', nameGap: 24 },
      yAxis: [
        { type: 'value', name: 'seats', minInterval: 1 },
        { type: 'value', name: 'service level', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      ],
      series: [
        { name: 'Seats', type: 'bar', data: intervals.map((i) => i.requiredSeats), itemStyle: { color: '#2f5d8a' } },
        {
          name: 'Service level at those seats',
          type: 'line',
          yAxisIndex: 1,
          data: intervals.map((i) => (i.serviceLevelAtRequired == null ? null : Math.round(Number(i.serviceLevelAtRequired) * 1000) / 10)),
          itemStyle: { color: '#b05a00' },
        },
      ],
    }),
    [intervals, timeZone],
  );
  return (
    <>
      <p>
        <strong>{total.toLocaleString('en-GB')}</strong> seats over <strong>{intervals.length}</strong> intervals.
      </p>
      <Chart option={option} label="Seats required and service level per interval">
        <p className="hint">Nothing is posted until you post the spike.</p>
      </Chart>
      <div className="table-wrap" tabIndex={0}>
        <table className="staffing">
          <caption className="visually-hidden">Seats and service level per interval</caption>
          <thead>
            <tr>
              <th scope="col">Start ({timeZone})</th>
              <th scope="col" className="num">
                Contacts
              </th>
              <th scope="col" className="num">
                AHT (s)
              </th>
              <th scope="col" className="num">
                Erlangs
              </th>
              <th scope="col" className="num">
                Agents
              </th>
              <th scope="col" className="num">
                Seats
              </th>
              <th scope="col" className="num">
                Service level
              </th>
            </tr>
          </thead>
          <tbody>
            {intervals.map((i) => (
              <tr key={i.index}>
                <th scope="row">{formatDateTime(i.startsAt, timeZone, { zone: false })}</th>
                <td className="num">{i.forecastContacts ?? '—'}</td>
                <td className="num">{i.ahtSeconds ?? '—'}</td>
                <td className="num">{i.trafficErlangs == null ? '—' : Number(i.trafficErlangs).toFixed(2)}</td>
                <td className="num">{i.agents ?? '—'}</td>
                <td className="num">{i.requiredSeats}</td>
                <td className="num">{formatPercent(i.serviceLevelAtRequired)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

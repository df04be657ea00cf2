import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import type { SpikeStatus } from '../../gql/graphql';
import { formatDateTime } from '../../lib/format';
import { Link, useTitle } from '../../lib/router';
import { Sparkline } from '../../components/chart';
import { SelectField } from '../../components/form';
import { QueryState } from '../../components/states';
import { MoreButton, PageHeader, Status } from '../../components/status';
import { useViewer } from '../../viewer';

const Spikes = graphql(`
  query Spikes($status: SpikeStatus, $first: Int!, $after: String) {
    demandSpikes(status: $status, first: $first, after: $after) {
      nodes {
        id
        title
        status
        channel
        timeZone
        biddingClosesAt
        totalRequiredSeats
        intervals {
          index
          startsAt
          requiredSeats
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const STATUSES = ['DRAFT', 'OPEN', 'CLOSED', 'AWARDED', 'IN_DELIVERY', 'COMPLETED', 'SETTLED', 'CANCELLED'] as const;

export function SpikesList() {
  useTitle('Spikes');
  const viewer = useViewer();
  const [status, setStatus] = useState<SpikeStatus | ''>('');
  const [pages, setPages] = useState(1);
  const [result, refetch] = useQuery({ query: Spikes, variables: { status: status || null, first: 25 * pages } });
  return (
    <section>
      <PageHeader title="Spikes" sub={viewer.role === 'OPERATOR' ? 'Every brand’s demand spikes.' : 'Your demand spikes, oldest first.'}>
        {viewer.role === 'BRAND' && (
          <Link to="/spikes/new" className="button">
            New spike
          </Link>
        )}
      </PageHeader>
      <div className="filters">
        <SelectField
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as SpikeStatus | '')}
          options={[['', 'All statuses'], ...STATUSES.map((s) => [s, s.replace('_', ' ').toLowerCase()] as [string, string])]}
        />
      </div>
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.demandSpikes.nodes.length === 0}
        empty={viewer.role === 'BRAND' ? 'No spikes yet. Post one from a forecast with “New spike”.' : 'No spikes.'}
      >
        {(d) => (
          <>
            <div className="table-wrap" tabIndex={0}>
              <table>
                <caption className="visually-hidden">Demand spikes</caption>
                <thead>
                  <tr>
                    <th scope="col">Title</th>
                    <th scope="col">Status</th>
                    <th scope="col">Channel</th>
                    <th scope="col">First interval</th>
                    <th scope="col">Bidding closes</th>
                    <th scope="col" className="num">
                      Seats
                    </th>
                    <th scope="col">Demand</th>
                  </tr>
                </thead>
                <tbody>
                  {d.demandSpikes.nodes.map((s) => (
                    <tr key={s.id}>
                      <th scope="row">
                        <Link to={`/spikes/${s.id}`}>{s.title}</Link>
                      </th>
                      <td>
                        <Status value={s.status} />
                      </td>
                      <td>{s.channel.toLowerCase()}</td>
                      <td>{s.intervals[0] ? formatDateTime(s.intervals[0].startsAt, s.timeZone) : '—'}</td>
                      <td>{formatDateTime(s.biddingClosesAt, s.timeZone)}</td>
                      <td className="num">{s.totalRequiredSeats.toLocaleString('en-GB')}</td>
                      <td>
                        <Sparkline values={s.intervals.map((i) => i.requiredSeats)} label={`Seats required per interval of ${s.title}`} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <MoreButton hasNextPage={d.demandSpikes.pageInfo.hasNextPage} onMore={() => setPages((p) => p + 1)} fetching={result.fetching} />
          </>
        )}
      </QueryState>
    </section>
  );
}

import { useQuery } from 'urql';
import { graphql } from '../../gql';
import type { AwardsQuery } from '../../gql/graphql';
import { formatMoney, formatRate } from '../../lib/format';
import { PagedRows, type UsePage } from '../../components/paged-rows';
import { QueryState } from '../../components/states';
import { Status } from '../../components/status';

const AwardsQuery = graphql(`
  query Awards($id: UUID!, $after: String) {
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
      bids(first: 100, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
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
  }
`);

type Outcome = NonNullable<AwardsQuery['clearingResult']>['bids']['nodes'][number];

const bidsAfter =
  (id: string): UsePage<Outcome> =>
  (after) => {
    const [r] = useQuery({ query: AwardsQuery, variables: { id, after } });
    return { page: r.data?.clearingResult?.bids ?? null, fetching: r.fetching, error: r.error };
  };

/** Awards by vendor (100 contracts), with names, the scores clearing used and the value of each award; then every bid's outcome and reason. */
export function Awards({ spikeId, currency }: { spikeId: string; currency: string }) {
  const [result, refetch] = useQuery({ query: AwardsQuery, variables: { id: spikeId, after: null } });
  return (
    <section aria-labelledby="awards-heading">
      <h2 id="awards-heading">Awards by vendor</h2>
      <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })}>
        {(d) => {
          const bids = d.clearingResult?.bids ?? { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
          // The score clearing used, from the first 100 bids (a vendor past them shows —).
          const scoreOf = new Map(bids.nodes.map((b) => [b.vendorId, b]));
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
                  <PagedRows
                    first={bids}
                    usePage={bidsAfter(spikeId)}
                    colSpan={6}
                    what="bids"
                    row={(b) => (
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
                    )}
                  />
                </table>
              </div>
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

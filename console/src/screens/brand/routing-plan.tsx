import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { download } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { QueryState } from '../../components/states';

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

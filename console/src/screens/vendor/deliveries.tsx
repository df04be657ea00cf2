import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { formatDateTime, formatMoney } from '../../lib/format';
import { Link, useTitle } from '../../lib/router';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';

const ContractsQuery = graphql(`
  query VendorContracts {
    contracts(first: 100) {
      nodes {
        id
        status
        startsAt
        endsAt
        totalSeatHours
        rate {
          amountMinor
          currency
        }
        awardedValue {
          amountMinor
          currency
        }
        spike {
          id
          title
          timeZone
        }
      }
    }
  }
`);

/** The vendor's contracts, to report delivered seat-hours, contacts and service level per interval. */
export function Deliveries() {
  useTitle('Delivery');
  const [result, refetch] = useQuery({ query: ContractsQuery, requestPolicy: 'cache-and-network' });
  return (
    <section>
      <PageHeader title="Delivery" sub="Your contracts. Report what you delivered per interval once it has ended, by CSV." />
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.contracts.nodes.length === 0}
        empty="No contracts yet: they appear when you win seats."
      >
        {(d) => (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Spike</th>
                  <th scope="col">Status</th>
                  <th scope="col">Delivery period</th>
                  <th scope="col" className="num">
                    Seat-hours
                  </th>
                  <th scope="col" className="num">
                    Rate
                  </th>
                  <th scope="col" className="num">
                    Value
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.contracts.nodes.map((c) => {
                  const zone = c.spike?.timeZone ?? 'UTC';
                  return (
                    <tr key={c.id}>
                      <th scope="row">
                        <Link to={`/deliveries/${c.id}`}>{c.spike?.title ?? c.id.slice(0, 8)}</Link>
                      </th>
                      <td>
                        <Status value={c.status} />
                      </td>
                      <td>
                        {formatDateTime(c.startsAt, zone)} – {formatDateTime(c.endsAt, zone)}
                      </td>
                      <td className="num">{Number(c.totalSeatHours).toLocaleString('en-GB')}</td>
                      <td className="num">{formatMoney(c.rate)}</td>
                      <td className="num">{formatMoney(c.awardedValue)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}

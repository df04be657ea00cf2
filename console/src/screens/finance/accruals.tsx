import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { formatMoney } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';

const AccrualsQuery = graphql(`
  query Accruals {
    accruals(first: 100) {
      pageInfo {
        hasNextPage
      }
      nodes {
        contractId
        brand {
          name
        }
        vendor {
          name
        }
        unsettledNet {
          amountMinor
          currency
        }
      }
    }
  }
`);

/** Delivered but not yet settled value of every open contract, zero included. */
export function Accruals() {
  useTitle('Accruals');
  const [result, refetch] = useQuery({ query: AccrualsQuery, requestPolicy: 'cache-and-network' });
  return (
    <section>
      <PageHeader title="Accruals" sub="Value delivered on open contracts and not invoiced yet (zero until actuals are reported)." />
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.accruals.nodes.length === 0}
        empty="No open contracts."
      >
        {(d) => (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Contract</th>
                  <th scope="col">Brand</th>
                  <th scope="col">Vendor</th>
                  <th scope="col" className="num">
                    Unsettled net
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.accruals.nodes.map((a) => (
                  <tr key={a.contractId}>
                    <th scope="row">{a.contractId.slice(0, 8)}</th>
                    <td>{a.brand.name}</td>
                    <td>{a.vendor.name}</td>
                    <td className="num">{formatMoney(a.unsettledNet)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}

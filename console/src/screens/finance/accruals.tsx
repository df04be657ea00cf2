import { useQuery } from 'urql';
import { graphql } from '../../gql';
import type { AccrualsQuery } from '../../gql/graphql';
import { formatMoney } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { PagedRows, type UsePage } from '../../components/paged-rows';
import { QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';

const AccrualsQuery = graphql(`
  query Accruals($after: String) {
    accruals(first: 100, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
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

type Accrual = AccrualsQuery['accruals']['nodes'][number];

const useAccrualsAfter: UsePage<Accrual> = (after) => {
  const [r] = useQuery({ query: AccrualsQuery, variables: { after } });
  return { page: r.data?.accruals ?? null, fetching: r.fetching, error: r.error };
};

/** Delivered but not yet settled value of every open contract, zero included, 100 at a time. */
export function Accruals() {
  useTitle('Accruals');
  const [result, refetch] = useQuery({ query: AccrualsQuery, variables: { after: null }, requestPolicy: 'cache-and-network' });
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
              <PagedRows
                first={d.accruals}
                usePage={useAccrualsAfter}
                colSpan={4}
                what="contracts"
                row={(a) => (
                  <tr key={a.contractId}>
                    <th scope="row">{a.contractId.slice(0, 8)}</th>
                    <td>{a.brand.name}</td>
                    <td>{a.vendor.name}</td>
                    <td className="num">{formatMoney(a.unsettledNet)}</td>
                  </tr>
                )}
              />
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}

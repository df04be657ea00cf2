import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { formatMoney } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';

const ReconciliationQuery = graphql(`
  query Reconciliation {
    reconciliation {
      balanced
      discrepancies
      sums {
        amountMinor
        currency
      }
    }
  }
`);

/** Whether the books agree: the ledger sums to zero per currency, invoices equal their postings. */
export function Reconciliation() {
  useTitle('Reconciliation');
  const [result, refetch] = useQuery({ query: ReconciliationQuery, requestPolicy: 'network-only' });
  return (
    <section>
      <PageHeader title="Reconciliation" sub="The whole marketplace's books (the operator and its finance keys).">
        <button type="button" className="secondary" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Check again
        </button>
      </PageHeader>
      <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Checking the books">
        {(d) => (
          <>
            <p className={d.reconciliation.balanced ? 'success' : 'state error'} role="status">
              {d.reconciliation.balanced
                ? 'Balanced: the ledger sums to zero in every currency and every invoice equals its postings.'
                : 'Not balanced: see the discrepancies below.'}
            </p>
            <ul>
              {d.reconciliation.sums.map((s) => (
                <li key={s.currency}>
                  {s.currency}: ledger sum {formatMoney(s)}
                </li>
              ))}
            </ul>
            {d.reconciliation.discrepancies.length > 0 && (
              <ul className="form-error">
                {d.reconciliation.discrepancies.map((x) => (
                  <li key={x}>{x}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

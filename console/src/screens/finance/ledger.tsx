import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { formatMoney, localZone, zonedWallTimeToUtc } from '../../lib/format';
import { Link, useTitle } from '../../lib/router';
import { TextField } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';

export const Balances = graphql(`
  query Balances($asOf: DateTimeISO) {
    ledgerBalances(asOf: $asOf, first: 100) {
      pageInfo {
        hasNextPage
      }
      nodes {
        accountId
        kind
        organizationId
        organization {
          name
        }
        balance {
          amountMinor
          currency
        }
      }
    }
  }
`);

/** Ledger balances as of the end of a chosen day (or now), per account and currency. */
export function Ledger() {
  useTitle('Ledger');
  const zone = localZone();
  const [day, setDay] = useState('');
  const end = day ? zonedWallTimeToUtc(`${day}T23:59:59`, zone) : null;
  const [result, refetch] = useQuery({ query: Balances, variables: { asOf: end?.toISOString() ?? null }, requestPolicy: 'cache-and-network' });
  return (
    <section>
      <PageHeader title="Ledger balances" sub={`Positive is a debit: owed to the marketplace. ${day ? `As of the end of ${day} (${zone}).` : 'As of now.'}`} />
      <div className="filters">
        <TextField label={`As of the end of (${zone})`} type="date" value={day} onChange={(e) => setDay(e.target.value)} hint="Leave empty for now" />
      </div>
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.ledgerBalances.nodes.length === 0}
        empty="No ledger accounts yet: they open with the first settlement."
      >
        {(d) => (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Organisation</th>
                  <th scope="col">Account</th>
                  <th scope="col">Currency</th>
                  <th scope="col" className="num">
                    Balance
                  </th>
                  <th scope="col">Statement</th>
                </tr>
              </thead>
              <tbody>
                {d.ledgerBalances.nodes.map((b) => (
                  <tr key={b.accountId}>
                    <th scope="row">{b.organization.name}</th>
                    <td>{b.kind.replace(/_/g, ' ').toLowerCase()}</td>
                    <td>{b.balance.currency}</td>
                    <td className="num">{formatMoney(b.balance)}</td>
                    <td>
                      <Link to={`/statements?account=${b.accountId}`}>Statement</Link>
                    </td>
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

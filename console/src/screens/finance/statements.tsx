import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import type { StatementQuery } from '../../gql/graphql';
import { download } from '../../lib/api';
import { toCsv } from '../../lib/csv';
import { formatDateTime, formatMoney, localZone, minorToDecimal, zonedWallTimeToUtc } from '../../lib/format';
import { navigate, useQueryParam, useTitle } from '../../lib/router';
import { SelectField, TextField } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';
import { Balances } from './ledger';

const StatementQuery = graphql(`
  query Statement($id: UUID!, $from: DateTimeISO!, $to: DateTimeISO!) {
    accountStatement(accountId: $id, from: $from, to: $to) {
      from
      to
      account {
        accountId
        kind
        organization {
          name
        }
      }
      opening {
        amountMinor
        currency
      }
      closing {
        amountMinor
        currency
      }
      entries {
        transactionId
        kind
        description
        postedAt
        amount {
          amountMinor
          currency
        }
        balance {
          amountMinor
          currency
        }
      }
    }
  }
`);

type Statement = StatementQuery['accountStatement'];

/** The statement as CSV with the currency and the account owner's name on every line. */
export function statementCsv(s: Statement): string {
  const currency = s.opening.currency;
  const owner = s.account.organization.name;
  const rows: (string | number | null)[][] = [
    ['posted_at', 'account_owner', 'account', 'kind', 'description', 'transaction_id', 'currency', 'amount', 'balance'],
  ];
  rows.push([s.from, owner, s.account.kind, 'OPENING', 'Opening balance', '', currency, '', minorToDecimal(s.opening.amountMinor, currency)]);
  for (const e of s.entries)
    rows.push([
      e.postedAt,
      owner,
      s.account.kind,
      e.kind,
      e.description,
      e.transactionId,
      currency,
      minorToDecimal(e.amount.amountMinor, currency),
      minorToDecimal(e.balance.amountMinor, currency),
    ]);
  rows.push([s.to, owner, s.account.kind, 'CLOSING', 'Closing balance', '', currency, '', minorToDecimal(s.closing.amountMinor, currency)]);
  return toCsv(rows);
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** A statement of one account over a period, with a CSV download. */
export function Statements() {
  useTitle('Statements');
  const zone = localZone();
  const account = useQueryParam('account') ?? '';
  const [from, setFrom] = useState(() => iso(new Date(Date.now() - 30 * 86_400_000)));
  const [to, setTo] = useState(() => iso(new Date(Date.now() + 86_400_000)));
  const [balances] = useQuery({ query: Balances, variables: { asOf: null } });
  const fromAt = zonedWallTimeToUtc(`${from}T00:00`, zone);
  const toAt = zonedWallTimeToUtc(`${to}T00:00`, zone);
  const [result, refetch] = useQuery({
    query: StatementQuery,
    variables: { id: account, from: fromAt?.toISOString() ?? '', to: toAt?.toISOString() ?? '' },
    pause: !account || !fromAt || !toAt,
    requestPolicy: 'cache-and-network',
  });
  const accounts = balances.data?.ledgerBalances.nodes ?? [];
  return (
    <section>
      <PageHeader title="Statements" sub={`Postings on one account over [from, to). Times in ${zone}.`} />
      <div className="filters">
        <SelectField
          label="Account"
          value={account}
          onChange={(e) => navigate(`/statements?account=${e.target.value}`, { replace: true })}
          options={[
            ['', accounts.length ? 'Choose an account' : 'No accounts yet'],
            ...accounts.map((a) => [a.accountId, `${a.organization.name} · ${a.kind.toLowerCase()} · ${a.balance.currency}`] as [string, string]),
          ]}
        />
        <TextField label="From" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To (not included)" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
      </div>
      {!account ? (
        <p className="state empty">Choose an account to see its statement.</p>
      ) : (
        <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Loading the statement">
          {(d) => {
            const s = d.accountStatement;
            return (
              <>
                <p>
                  {s.account.organization.name}, {s.account.kind.toLowerCase()} account: opening {formatMoney(s.opening)}, closing{' '}
                  <strong>{formatMoney(s.closing)}</strong>.{' '}
                  <button
                    type="button"
                    className="secondary"
                    onClick={() =>
                      download(`statement-${s.account.organization.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${from}-${to}.csv`, statementCsv(s))
                    }
                  >
                    Download statement (CSV)
                  </button>
                </p>
                {s.entries.length === 0 ? (
                  <p className="state empty">No postings in this period.</p>
                ) : (
                  <div className="table-wrap" tabIndex={0}>
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Posted</th>
                          <th scope="col">Kind</th>
                          <th scope="col">Description</th>
                          <th scope="col" className="num">
                            Amount
                          </th>
                          <th scope="col" className="num">
                            Balance
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {s.entries.map((e, n) => (
                          <tr key={`${e.transactionId}-${n}`}>
                            <td>{formatDateTime(e.postedAt, zone)}</td>
                            <td>{e.kind.toLowerCase()}</td>
                            <td>{e.description}</td>
                            <td className="num">{formatMoney(e.amount)}</td>
                            <td className="num">{formatMoney(e.balance)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </>
            );
          }}
        </QueryState>
      )}
    </section>
  );
}

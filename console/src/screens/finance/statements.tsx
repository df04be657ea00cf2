import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import type { StatementQuery } from '../../gql/graphql';
import { downloadExport } from '../../lib/api';
import { formatDateTime, formatMoney, localZone, zonedWallTimeToUtc } from '../../lib/format';
import { navigate, useQueryParam, useTitle } from '../../lib/router';
import { SelectField, TextField } from '../../components/form';
import { PagedRows, type UsePage } from '../../components/paged-rows';
import { ErrorState, QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';
import { Balances } from './ledger';

const StatementQuery = graphql(`
  query Statement($id: UUID!, $from: DateTimeISO!, $to: DateTimeISO!, $after: String) {
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
      entries(first: 100, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          entryId
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
  }
`);

type Entry = StatementQuery['accountStatement']['entries']['nodes'][number];

const entriesAfter =
  (variables: { id: string; from: string; to: string }): UsePage<Entry> =>
  (after) => {
    const [r] = useQuery({ query: StatementQuery, variables: { ...variables, after } });
    return { page: r.data?.accountStatement.entries ?? null, fetching: r.fetching, error: r.error };
  };

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** A statement of one account over a period, 100 postings at a time, with the API's CSV download of the whole period. */
export function Statements() {
  useTitle('Statements');
  const zone = localZone();
  const account = useQueryParam('account') ?? '';
  const [from, setFrom] = useState(() => iso(new Date(Date.now() - 30 * 86_400_000)));
  const [to, setTo] = useState(() => iso(new Date(Date.now() + 86_400_000)));
  const [balances] = useQuery({ query: Balances, variables: { asOf: null, after: null } });
  const fromAt = zonedWallTimeToUtc(`${from}T00:00`, zone);
  const toAt = zonedWallTimeToUtc(`${to}T00:00`, zone);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const period = { id: account, from: fromAt?.toISOString() ?? '', to: toAt?.toISOString() ?? '' };
  const [result, refetch] = useQuery({
    query: StatementQuery,
    variables: { ...period, after: null },
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
                    onClick={async () =>
                      setDownloadError(
                        await downloadExport(
                          `/exports/statement.csv?${new URLSearchParams({ accountId: period.id, from: period.from, to: period.to }).toString()}`,
                          `statement-${s.account.organization.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${from}-${to}.csv`,
                        ),
                      )
                    }
                  >
                    Download statement (CSV)
                  </button>
                </p>
                {downloadError && <ErrorState error={downloadError} />}
                {s.entries.nodes.length === 0 ? (
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
                      <PagedRows
                        key={`${period.id}-${period.from}-${period.to}`}
                        first={s.entries}
                        usePage={entriesAfter(period)}
                        colSpan={5}
                        what="postings"
                        row={(e) => (
                          <tr key={e.entryId}>
                            <td>{formatDateTime(e.postedAt, zone)}</td>
                            <td>{e.kind.toLowerCase()}</td>
                            <td>{e.description}</td>
                            <td className="num">{formatMoney(e.amount)}</td>
                            <td className="num">{formatMoney(e.balance)}</td>
                          </tr>
                        )}
                      />
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

import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { graphql } from '../../gql';
import type { InvoiceStatus } from '../../gql/graphql';
import { formatDate, formatMoney, localZone, zonedWallTimeToUtc } from '../../lib/format';
import { Link, useTitle } from '../../lib/router';
import { SelectField, TextField } from '../../components/form';
import { LiveNotice, QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';

const InvoicesQuery = graphql(`
  query Invoices($filter: InvoiceFilterInput, $first: Int!) {
    invoices(filter: $filter, first: $first) {
      nodes {
        id
        number
        kind
        status
        issuedAt
        periodStart
        periodEnd
        net {
          amountMinor
          currency
        }
        fee {
          amountMinor
          currency
        }
        vendorPayout {
          amountMinor
          currency
        }
        brand {
          name
        }
        vendor {
          name
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

const Settled = graphql(`
  subscription ContractSettled {
    contractSettled {
      eventId
      invoiceId
      invoiceKind
      net {
        amountMinor
        currency
      }
    }
  }
`);

/** Invoices and notes of the caller's organisation with filters; a new settlement appears without a reload. */
export function Invoices() {
  useTitle('Invoices');
  const zone = localZone();
  const [status, setStatus] = useState<InvoiceStatus | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const filter = {
    ...(status ? { status } : {}),
    ...(from ? { issuedFrom: zonedWallTimeToUtc(`${from}T00:00`, zone)?.toISOString() } : {}),
    ...(to ? { issuedTo: zonedWallTimeToUtc(`${to}T00:00`, zone)?.toISOString() } : {}),
  };
  const [result, refetch] = useQuery({ query: InvoicesQuery, variables: { filter, first: 100 }, requestPolicy: 'cache-and-network' });
  useSubscription({ query: Settled }, (_prev, event) => {
    const e = event.contractSettled;
    setNotice(`New ${e.invoiceKind.replace('_', ' ').toLowerCase()} issued: ${formatMoney(e.net)}`);
    refetch({ requestPolicy: 'network-only' });
    return event;
  });
  return (
    <section>
      <PageHeader title="Invoices" sub={`Invoices, credit and debit notes of your organisation. Dates in ${zone}.`} />
      <LiveNotice message={notice} />
      <div className="filters">
        <SelectField
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as InvoiceStatus | '')}
          options={[
            ['', 'Any status'],
            ['ISSUED', 'issued'],
            ['PARTIALLY_PAID', 'partially paid'],
            ['PAID', 'paid'],
            ['ADJUSTED', 'adjusted'],
          ]}
        />
        <TextField label="Issued from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="Issued before" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
      </div>
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.invoices.nodes.length === 0}
        empty="No invoices match. Contracts are invoiced when they settle."
      >
        {(d) => (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Vendor</th>
                  <th scope="col">Brand</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Issued</th>
                  <th scope="col" className="num">
                    Net
                  </th>
                  <th scope="col" className="num">
                    Fee
                  </th>
                  <th scope="col" className="num">
                    Vendor payout
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.invoices.nodes.map((i) => (
                  <tr key={i.id}>
                    <th scope="row">
                      <Link to={`/invoices/${i.id}`}>
                        {i.vendor.name} #{i.number}
                      </Link>
                    </th>
                    <td>{i.vendor.name}</td>
                    <td>{i.brand.name}</td>
                    <td>{i.kind.replace('_', ' ').toLowerCase()}</td>
                    <td>
                      <Status value={i.status} />
                    </td>
                    <td>{formatDate(i.issuedAt, zone)}</td>
                    <td className="num">{formatMoney(i.net)}</td>
                    <td className="num">{formatMoney(i.fee)}</td>
                    <td className="num">{formatMoney(i.vendorPayout)}</td>
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

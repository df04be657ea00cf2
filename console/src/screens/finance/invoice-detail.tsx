import { useQuery } from 'urql';
import { graphql } from '../../gql';
import type { InvoiceDetailQuery } from '../../gql/graphql';
import { download } from '../../lib/api';
import { toCsv } from '../../lib/csv';
import { formatDate, formatDateTime, formatMoney, localZone, minorToDecimal } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';

const InvoiceDetailQuery = graphql(`
  query InvoiceDetail($id: UUID!) {
    invoice(id: $id) {
      id
      number
      kind
      status
      issuedAt
      periodStart
      periodEnd
      originalInvoiceId
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
      paid {
        amountMinor
        currency
      }
      brand {
        name
      }
      vendor {
        name
      }
      contract {
        id
        rate {
          amountMinor
          currency
        }
        spike {
          title
          timeZone
        }
      }
      lines {
        position
        kind
        intervalIndex
        billableSeatHours
        description
        amount {
          amountMinor
          currency
        }
      }
    }
  }
`);

type Invoice = InvoiceDetailQuery['invoice'];

/** The invoice as CSV, with currency and names, generated here from the API's data. */
export function invoiceCsv(i: Invoice): string {
  const currency = i.net.currency;
  const head = [
    ['invoice_number', 'kind', 'vendor', 'brand', 'issued_at', 'period_start', 'period_end', 'currency'],
    [i.number, i.kind, i.vendor.name, i.brand.name, i.issuedAt, i.periodStart, i.periodEnd, currency],
    [],
    ['position', 'kind', 'interval_index', 'billable_seat_hours', 'description', 'amount', 'currency'],
  ];
  const lines = (i.lines ?? []).map((l) => [
    l.position,
    l.kind,
    l.intervalIndex,
    l.billableSeatHours,
    l.description,
    minorToDecimal(l.amount.amountMinor, currency),
    currency,
  ]);
  const totals = [
    [],
    ['net', '', '', '', 'Net (base less credits)', minorToDecimal(i.net.amountMinor, currency), currency],
    ['fee', '', '', '', 'Marketplace fee (paid by the vendor)', minorToDecimal(i.fee.amountMinor, currency), currency],
    ['vendor_payout', '', '', '', 'Vendor payout', minorToDecimal(i.vendorPayout.amountMinor, currency), currency],
  ];
  return toCsv([...head, ...lines, ...totals]);
}

/** One invoice or note: parties, lines (base and service credits), the fee and totals, with a CSV download. */
export function InvoiceDetail({ id }: { id: string }) {
  const [result, refetch] = useQuery({ query: InvoiceDetailQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  useTitle(result.data ? `Invoice ${result.data.invoice.number}` : 'Invoice');
  const zone = localZone();
  return (
    <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Loading the invoice">
      {(d) => {
        const i = d.invoice;
        const spikeZone = i.contract.spike?.timeZone ?? zone;
        return (
          <section className="invoice">
            <PageHeader
              title={`${i.kind === 'INVOICE' ? 'Invoice' : i.kind === 'CREDIT_NOTE' ? 'Credit note' : 'Debit note'} ${i.vendor.name} #${i.number}`}
              sub={<Status value={i.status} />}
            >
              <button
                type="button"
                className="secondary"
                onClick={() => download(`invoice-${i.vendor.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${i.number}.csv`, invoiceCsv(i))}
              >
                Download CSV
              </button>
              <button type="button" className="secondary" disabled aria-describedby="pdf-note">
                Download PDF
              </button>
            </PageHeader>
            <p className="hint" id="pdf-note">
              PDF documents are not available yet; the CSV carries the same lines and totals.
            </p>
            <dl className="terms">
              <div>
                <dt>Issued by (vendor)</dt>
                <dd>{i.vendor.name}</dd>
              </div>
              <div>
                <dt>Billed to (brand)</dt>
                <dd>{i.brand.name}</dd>
              </div>
              <div>
                <dt>Issued</dt>
                <dd>{formatDateTime(i.issuedAt, zone)}</dd>
              </div>
              <div>
                <dt>Delivery period</dt>
                <dd>
                  {formatDateTime(i.periodStart, spikeZone)} – {formatDateTime(i.periodEnd, spikeZone)}
                </dd>
              </div>
              <div>
                <dt>Spike</dt>
                <dd>{i.contract.spike?.title ?? '—'}</dd>
              </div>
              <div>
                <dt>Rate</dt>
                <dd>{formatMoney(i.contract.rate)} per seat-hour</dd>
              </div>
            </dl>
            <div className="table-wrap" tabIndex={0}>
              <table>
                <caption>Lines</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      #
                    </th>
                    <th scope="col">Kind</th>
                    <th scope="col">Description</th>
                    <th scope="col" className="num">
                      Billable seat-hours
                    </th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {(i.lines ?? []).map((l) => (
                    <tr key={l.position} className={l.kind === 'CREDIT' ? 'credit' : undefined}>
                      <td className="num">{l.position}</td>
                      <td>{l.kind === 'CREDIT' ? 'service credit' : l.kind.toLowerCase()}</td>
                      <td>{l.description}</td>
                      <td className="num">{l.billableSeatHours ?? ''}</td>
                      <td className="num">{formatMoney(l.amount)}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row" colSpan={4}>
                      Net (base less service credits): the brand owes
                    </th>
                    <td className="num">{formatMoney(i.net)}</td>
                  </tr>
                  <tr>
                    <th scope="row" colSpan={4}>
                      Marketplace fee, paid by the vendor
                    </th>
                    <td className="num">{formatMoney(i.fee)}</td>
                  </tr>
                  <tr>
                    <th scope="row" colSpan={4}>
                      Vendor payout
                    </th>
                    <td className="num">{formatMoney(i.vendorPayout)}</td>
                  </tr>
                  <tr>
                    <th scope="row" colSpan={4}>
                      Paid so far
                    </th>
                    <td className="num">{formatMoney(i.paid)}</td>
                  </tr>
                </tfoot>
              </table>
            </div>
            <p className="hint">
              Issued {formatDate(i.issuedAt, zone)} in {zone}; interval times in {spikeZone}.
            </p>
          </section>
        );
      }}
    </QueryState>
  );
}

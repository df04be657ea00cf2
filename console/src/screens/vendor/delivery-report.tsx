import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { parseDeliveryCsv } from '../../lib/csv';
import { firstError } from '../../lib/errors';
import { formatDateTime, formatMoney } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { FormError, TextAreaField, UploadField, type UserErrorLike } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';

const ContractQuery = graphql(`
  query DeliveryContract($id: UUID!) {
    contract(id: $id) {
      id
      status
      rate {
        amountMinor
        currency
      }
      serviceLevelTarget
      seats {
        index
        startsAt
        endsAt
        seats
      }
      spike {
        title
        timeZone
      }
    }
  }
`);

const Report = graphql(`
  mutation ReportDelivery($input: ReportDeliveryInput!) {
    reportDelivery(input: $input) {
      __typename
      ... on DeliveryReceipt {
        accepted
        adjustmentDue
      }
      ... on ContactsExceedCapacityError {
        maxContactsHandled
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

const EXAMPLE = 'interval,staffed_seat_hours,contacts_handled,service_level\n0,2.5,41,83%';

/** Delivery reporting from CSV for one contract: staffed seat-hours, contacts handled and service level per interval. */
export function DeliveryReport({ id }: { id: string }) {
  const [result, refetch] = useQuery({ query: ContractQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const [csv, setCsv] = useState('');
  const [error, setError] = useState<UserErrorLike | null>(null);
  const [receipt, setReceipt] = useState<string | null>(null);
  const [reporting, report] = useMutation(Report);
  useTitle('Report delivery');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setReceipt(null);
    const parsed = parseDeliveryCsv(csv);
    if (!parsed.ok)
      return setError({
        code: 'BAD_USER_INPUT',
        message: parsed.problems.map((p) => `Line ${p.line} (${p.column ?? 'row'}): ${p.message}`).join('. '),
        field: 'csv',
      });
    if (!parsed.rows.length) return setError({ code: 'BAD_USER_INPUT', message: 'The CSV has no rows.', field: 'csv' });
    const r = await report({ input: { contractId: id, reports: parsed.rows } });
    const answer = r.data?.reportDelivery;
    if (!answer) return setError(firstError(r.error));
    if (answer.__typename === 'DeliveryReceipt') {
      setReceipt(
        `${answer.accepted} interval report(s) accepted${answer.adjustmentDue ? '; the contract was settled already, so an adjustment will follow' : ''}.`,
      );
      setCsv('');
      refetch({ requestPolicy: 'network-only' });
    } else {
      const e2 = answer as UserErrorLike & { maxContactsHandled?: number };
      const row = /reports\[(\d+)\]/.exec(e2.field ?? '')?.[1];
      const where = row === undefined ? '' : `Row ${Number(row) + 1} of the CSV: `;
      setError({ ...e2, field: 'csv', message: `${where}${e2.message}${e2.maxContactsHandled !== undefined ? ` (at most ${e2.maxContactsHandled})` : ''}` });
    }
  };

  return (
    <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Loading the contract">
      {(d) => {
        const c = d.contract;
        const zone = c.spike?.timeZone ?? 'UTC';
        return (
          <section>
            <PageHeader
              title={`Delivery: ${c.spike?.title ?? 'contract'}`}
              sub={
                <>
                  <Status value={c.status} /> · {formatMoney(c.rate)} per seat-hour · times in {zone}
                </>
              }
            />
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      Interval
                    </th>
                    <th scope="col">Start</th>
                    <th scope="col">End</th>
                    <th scope="col" className="num">
                      Seats awarded
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {c.seats.map((s) => (
                    <tr key={s.index}>
                      <td className="num">{s.index}</td>
                      <td>{formatDateTime(s.startsAt, zone, { zone: false })}</td>
                      <td>{formatDateTime(s.endsAt, zone, { zone: false })}</td>
                      <td className="num">{s.seats}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <form onSubmit={submit} noValidate>
              <TextAreaField
                label="Delivery actuals (CSV)"
                hint={
                  <>
                    One line per ended interval: interval index, staffed seat-hours, contacts handled, service level (0–1 or %, optional). Example:{' '}
                    <code>0,2.5,41,83%</code>
                  </>
                }
                rows={6}
                className="mono"
                spellCheck={false}
                placeholder={EXAMPLE}
                value={csv}
                onChange={(e) => setCsv(e.target.value)}
                error={error?.field === 'csv' ? error.message : undefined}
              />
              <UploadField onText={setCsv} />
              <FormError error={error && error.field !== 'csv' ? error.message : null} />
              {receipt && (
                <p className="success" role="status">
                  {receipt}
                </p>
              )}
              <button type="submit" disabled={reporting.fetching}>
                Report delivery
              </button>
            </form>
          </section>
        );
      }}
    </QueryState>
  );
}

import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import type { BidTargetQuery } from '../../gql/graphql';
import { parseSeatsCsv } from '../../lib/csv';
import { firstError } from '../../lib/errors';
import { decimalToMinor, formatDateTime, formatMoney, formatTime } from '../../lib/format';
import { navigate, useTitle } from '../../lib/router';
import { Chart } from '../../components/chart';
import { errorFor, FormError, TextAreaField, TextField, type UserErrorLike } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';
import { BidTarget, PlaceBid, Withdraw } from './bid-documents';

/** A spike's demand curve and the bid form: seats per interval in a grid or pasted from CSV, minimums, and the total. */
export function BidOnSpike({ id }: { id: string }) {
  const [result, refetch] = useQuery({ query: BidTarget, variables: { id }, requestPolicy: 'cache-and-network' });
  useTitle(result.data?.demandSpike.title ?? 'Bid');
  return (
    <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Loading the spike">
      {(d) => (
        <BidForm
          spike={d.demandSpike}
          existing={d.myBids.nodes.find((b) => b.status === 'ACTIVE') ?? null}
          onChanged={() => refetch({ requestPolicy: 'network-only' })}
        />
      )}
    </QueryState>
  );
}

type Spike = BidTargetQuery['demandSpike'];
type ExistingBid = BidTargetQuery['myBids']['nodes'][number];

function BidForm({ spike, existing, onChanged }: { spike: Spike; existing: ExistingBid | null; onChanged: () => void }) {
  const currency = spike.reserveRate.currency;
  const [seats, setSeats] = useState<string[]>(() => spike.intervals.map(() => ''));
  const [rate, setRate] = useState('');
  const [minSeats, setMinSeats] = useState('');
  const [minTotal, setMinTotal] = useState('');
  const [note, setNote] = useState('');
  const [pasted, setPasted] = useState('');
  const [pasteError, setPasteError] = useState<string | undefined>();
  const [error, setError] = useState<(UserErrorLike & { rules?: { rule: string; detail: string }[] }) | null>(null);
  const [key] = useState(() => crypto.randomUUID());
  const [placing, place] = useMutation(PlaceBid);
  const [withdrawing, withdraw] = useMutation(Withdraw);
  const hours = spike.intervalMinutes / 60;
  const offered = spike.intervals.map((i, n) => ({ index: i.index, seats: Number(seats[n] || 0) })).filter((o) => o.seats > 0);
  const total = offered.reduce((s, o) => s + o.seats * hours, 0);

  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 32 },
      xAxis: {
        type: 'category',
        data: spike.intervals.map((i) => formatTime(i.startsAt, spike.timeZone)),
        name: spike.timeZone,
        nameLocation: 'middle',
        nameGap: 24,
      },
      yAxis: { type: 'value', name: 'seats', minInterval: 1 },
      series: [
        { name: 'Required', type: 'bar', data: spike.intervals.map((i) => i.requiredSeats), itemStyle: { color: '#9db4cc' } },
        { name: 'Your offer', type: 'bar', data: seats.map((s) => Number(s || 0)), itemStyle: { color: '#2f5d8a' } },
      ],
    }),
    [spike, seats],
  );

  const applyCsv = () => {
    const parsed = parseSeatsCsv(
      pasted,
      spike.intervals.map((i) => i.startsAt),
      spike.timeZone,
    );
    if (!parsed.ok) return setPasteError(parsed.problems.map((p) => `Line ${p.line}: ${p.message}`).join('. '));
    setPasteError(undefined);
    setSeats((old) => {
      const next = [...old];
      for (const r of parsed.rows) next[spike.intervals.findIndex((i) => i.index === r.index)] = String(r.seats);
      return next;
    });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const rateMinor = decimalToMinor(rate, currency);
    if (!rateMinor)
      return setError({ code: 'BAD_USER_INPUT', message: `Give a rate in ${currency} with at most the currency’s decimals, e.g. 24.50`, field: 'input.rate' });
    if (!offered.length) return setError({ code: 'BAD_USER_INPUT', message: 'Offer seats in at least one interval', field: 'input.offered' });
    const r = await place({
      key,
      input: {
        spikeId: spike.id,
        rate: { amountMinor: rateMinor, currency },
        offered,
        minSeatsPerInterval: minSeats ? Number(minSeats) : null,
        minTotalSeatHours: minTotal ? Number(minTotal) : null,
        note: note || null,
      },
    });
    const answer = r.data?.placeBid;
    if (!answer) return setError(firstError(r.error));
    if (answer.__typename !== 'Bid') return setError(answer as UserErrorLike);
    navigate('/bids');
  };

  // input.offered[n].seats names the n-th offered interval: map it back to its grid cell.
  const cellError = (n: number) => {
    const position = offered.findIndex((o) => o.index === spike.intervals[n]!.index);
    return position >= 0 ? errorFor(error, `input.offered[${position}]`) : undefined;
  };

  return (
    <section>
      <PageHeader
        title={spike.title}
        sub={
          <>
            <Status value={spike.status} /> · reserve {formatMoney(spike.reserveRate)} per seat-hour · bidding closes{' '}
            {formatDateTime(spike.biddingClosesAt, spike.timeZone)}
          </>
        }
      />
      <Chart option={option} label="Seats required per interval, and your offer" />
      {existing ? (
        <div className="panel">
          <h2>Your bid</h2>
          <p>
            {formatMoney(existing.rate)} per seat-hour for {existing.offered.reduce((s, o) => s + o.seats, 0)} seat-intervals (version {existing.version}).{' '}
            <Status value={existing.status} />
          </p>
          <button
            type="button"
            className="danger"
            disabled={withdrawing.fetching}
            onClick={async () => {
              const r = await withdraw({ id: existing.id, version: existing.version });
              if (r.data?.withdrawBid.__typename !== 'Bid') setError(r.data ? (r.data.withdrawBid as UserErrorLike) : firstError(r.error));
              onChanged();
            }}
          >
            Withdraw this bid
          </button>
          <FormError error={error?.message} />
        </div>
      ) : (
        <form onSubmit={submit} noValidate className="bid-form">
          <div className="row">
            <TextField
              label={`Rate per seat-hour (${currency})`}
              inputMode="decimal"
              placeholder="24.50"
              value={rate}
              onChange={(e) => setRate(e.target.value)}
              error={errorFor(error, 'input.rate')}
            />
            <TextField
              label="Minimum seats per interval"
              hint="Optional: if awarded at all"
              type="number"
              min={1}
              value={minSeats}
              onChange={(e) => setMinSeats(e.target.value)}
              error={errorFor(error, 'input.minSeatsPerInterval')}
            />
            <TextField
              label="Minimum total seat-hours"
              hint="Optional: all or nothing"
              type="number"
              min={0}
              step="0.25"
              value={minTotal}
              onChange={(e) => setMinTotal(e.target.value)}
              error={errorFor(error, 'input.minTotalSeatHours')}
            />
          </div>
          <fieldset>
            <legend>Seats per interval ({spike.timeZone})</legend>
            {errorFor(error, 'input.offered') && !error?.field?.includes('[') && (
              <p className="field-error" role="alert">
                {error!.message}
              </p>
            )}
            <div className="seat-grid">
              {spike.intervals.map((i, n) => (
                <TextField
                  key={i.index}
                  label={`${formatTime(i.startsAt, spike.timeZone)} (needs ${i.requiredSeats})`}
                  type="number"
                  min={0}
                  max={i.requiredSeats}
                  disabled={i.requiredSeats === 0}
                  value={seats[n]}
                  onChange={(e) => setSeats((old) => old.map((v, k) => (k === n ? e.target.value : v)))}
                  error={cellError(n)}
                />
              ))}
            </div>
            <TextAreaField
              label="Or paste seats from CSV"
              hint="One line per interval: interval index (0, 1, …) or start time, then seats"
              rows={4}
              className="mono"
              spellCheck={false}
              value={pasted}
              onChange={(e) => setPasted(e.target.value)}
              error={pasteError}
            />
            <button type="button" className="secondary" onClick={applyCsv} disabled={!pasted.trim()}>
              Fill the grid from the CSV
            </button>
          </fieldset>
          <TextAreaField
            label="Note to the brand"
            hint="Optional, up to 2,000 characters"
            rows={2}
            maxLength={2000}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            error={errorFor(error, 'input.note')}
          />
          <p className="total" aria-live="polite">
            Total: <strong>{total.toLocaleString('en-GB')}</strong> seat-hours in {offered.length} intervals.
          </p>
          {error?.rules && (
            <ul className="form-error" role="alert">
              {error.rules.map((r) => (
                <li key={r.rule}>{r.detail}</li>
              ))}
            </ul>
          )}
          <FormError error={error && (!error.field || error.field === 'idempotencyKey' || error.field === 'input.spikeId') ? error.message : null} />
          <button type="submit" disabled={placing.fetching}>
            Place sealed bid
          </button>
        </form>
      )}
    </section>
  );
}

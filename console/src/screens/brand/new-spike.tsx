import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import type { Channel, OutsourcingModel, PostDemandSpikeInput } from '../../gql/graphql';
import { parseForecastCsv } from '../../lib/csv';
import { decimalToMinor, formatDateTime, localZone, toWallTime, zonedWallTimeToUtc } from '../../lib/format';
import { navigate, useTitle } from '../../lib/router';
import { errorFor, Field, FormError, UploadField, SelectField, TextAreaField, TextField, type UserErrorLike } from '../../components/form';
import { PageHeader } from '../../components/status';
import { PreviewSection } from './preview-section';
import { firstError } from '../../lib/errors';
import { describeProblems, EXAMPLE, fraction, Post, Preview, Publish, tags, useDebounced, ZONES } from './new-spike-support';

/** A new spike from a pasted or uploaded forecast, with the derived seats previewed per interval before posting. */
export function NewSpike() {
  useTitle('New spike');
  const zone = ZONES.includes(localZone()) ? localZone() : 'Europe/London';
  const [f, setF] = useState({
    title: '',
    channel: 'CHAT' as Channel,
    timeZone: zone,
    intervalMinutes: '30',
    serviceLevelTarget: '80',
    serviceLevelSeconds: '20',
    shrinkage: '30',
    maxOccupancy: '85',
    chatConcurrency: '1',
    reserveRate: '',
    currency: 'GBP',
    biddingClosesAt: toWallTime(new Date(Math.ceil((Date.now() + 2 * 3_600_000) / 1_800_000) * 1_800_000).toISOString(), zone),
    skills: '',
    certifications: '',
    outsourcingModel: 'ENTERPRISE_ROUTED' as OutsourcingModel,
    maxVendorShare: '',
    qualityWeight: '1',
    forecast: '',
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((old) => ({ ...old, [k]: e.target.value }));
  const [userError, setUserError] = useState<UserErrorLike | null>(null);
  const [idempotencyKey] = useState(() => crypto.randomUUID());

  const parsed = useMemo(() => (f.forecast.trim() ? parseForecastCsv(f.forecast, f.timeZone) : null), [f.forecast, f.timeZone]);
  const staffing = {
    channel: f.channel,
    timeZone: f.timeZone,
    intervalMinutes: Number(f.intervalMinutes),
    serviceLevelTarget: fraction(f.serviceLevelTarget) ?? 0,
    serviceLevelSeconds: Number(f.serviceLevelSeconds),
    shrinkage: fraction(f.shrinkage),
    maxOccupancy: fraction(f.maxOccupancy),
    chatConcurrency: f.channel === 'CHAT' ? Number(f.chatConcurrency) : null,
    intervals: parsed?.ok ? parsed.rows : [],
  };
  const previewInput = useDebounced(JSON.stringify(staffing), 250);
  const [preview] = useQuery({ query: Preview, variables: { input: JSON.parse(previewInput) }, pause: !parsed?.ok });
  const [posting, post] = useMutation(Post);
  const [, publish] = useMutation(Publish);

  const submit = (andPublish: boolean) => async (e: FormEvent) => {
    e.preventDefault();
    setUserError(null);
    if (!parsed?.ok) return setUserError({ code: 'BAD_USER_INPUT', message: 'Paste or upload a forecast first.', field: 'input.intervals' });
    const reserve = decimalToMinor(f.reserveRate, f.currency);
    if (!reserve || reserve === '0')
      return setUserError({ code: 'BAD_USER_INPUT', message: `Give the reserve rate in ${f.currency}, e.g. 28.00`, field: 'input.reserveRate' });
    const closes = zonedWallTimeToUtc(f.biddingClosesAt, f.timeZone);
    if (!closes) return setUserError({ code: 'BAD_USER_INPUT', message: `Give a time that exists in ${f.timeZone}`, field: 'input.biddingClosesAt' });
    const input: PostDemandSpikeInput = {
      ...staffing,
      title: f.title,
      requiredSkills: tags(f.skills),
      requiredCertifications: tags(f.certifications),
      reserveRate: { amountMinor: reserve, currency: f.currency },
      biddingClosesAt: closes.toISOString(),
      outsourcingModel: f.outsourcingModel,
      maxVendorShare: fraction(f.maxVendorShare),
      qualityWeight: f.qualityWeight === '' ? null : Number(f.qualityWeight),
    };
    const r = await post({ input, key: idempotencyKey });
    const result = r.data?.postDemandSpike;
    if (!result) return setUserError(firstError(r.error));
    if (result.__typename !== 'DemandSpike') return setUserError(result as UserErrorLike);
    if (andPublish) {
      const p = await publish({ id: result.id });
      const published = p.data?.publishDemandSpike;
      if (published && published.__typename !== 'DemandSpike') return setUserError(published as UserErrorLike);
    }
    navigate(`/spikes/${result.id}`);
  };

  const previewResult = preview.data?.previewStaffing;
  const forecastError =
    (parsed && !parsed.ok ? describeProblems(parsed.problems) : undefined) ??
    errorFor(userError, 'input.intervals') ??
    (previewResult?.__typename === 'ValidationError' && previewResult.field?.startsWith('input.intervals') ? previewResult.message : undefined);
  const fieldError = (path: string) =>
    errorFor(userError, path) ?? (previewResult?.__typename === 'ValidationError' ? errorFor(previewResult, path) : undefined);
  const unplaced = userError && !userError.field?.startsWith('input.') ? userError.message : null;

  return (
    <section>
      <PageHeader title="New spike" sub="Paste or upload a forecast; the seats each interval needs are derived with Erlang C and shown before you post." />
      <form className="spike-form" onSubmit={submit(true)} noValidate>
        <fieldset>
          <legend>The work</legend>
          <TextField label="Title" value={f.title} onChange={set('title')} error={fieldError('input.title')} required maxLength={200} />
          <div className="row">
            <SelectField label="Channel" value={f.channel} onChange={set('channel')} options={['VOICE', 'CHAT', 'EMAIL']} />
            <SelectField
              label="Outsourcing model"
              value={f.outsourcingModel}
              onChange={set('outsourcingModel')}
              options={['ENTERPRISE_ROUTED', 'VIRTUALIZED', 'NETWORK_DELIVERED']}
            />
          </div>
          <div className="row">
            <TextField
              label="Required skills"
              hint="Tags, comma separated (billing, es-ES)"
              value={f.skills}
              onChange={set('skills')}
              error={fieldError('input.requiredSkills')}
            />
            <TextField
              label="Required certifications"
              hint="e.g. PCI_DSS"
              value={f.certifications}
              onChange={set('certifications')}
              error={fieldError('input.requiredCertifications')}
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Forecast and service level</legend>
          <div className="row">
            <Field label="Time zone" hint="Intervals and times are in this zone" error={fieldError('input.timeZone')}>
              {(a11y) => (
                <>
                  <input {...a11y} list="zones" value={f.timeZone} onChange={set('timeZone')} />
                  <datalist id="zones">
                    {ZONES.map((z) => (
                      <option key={z} value={z} />
                    ))}
                  </datalist>
                </>
              )}
            </Field>
            <SelectField
              label="Interval length"
              value={f.intervalMinutes}
              onChange={set('intervalMinutes')}
              options={[
                ['15', '15 minutes'],
                ['30', '30 minutes'],
                ['60', '60 minutes'],
              ]}
              error={fieldError('input.intervalMinutes')}
            />
          </div>
          <div className="row">
            <TextField
              label="Service level target (%)"
              type="number"
              inputMode="decimal"
              min={1}
              max={99.9}
              step="0.1"
              value={f.serviceLevelTarget}
              onChange={set('serviceLevelTarget')}
              error={fieldError('input.serviceLevelTarget')}
            />
            <TextField
              label="Answered within (seconds)"
              type="number"
              min={1}
              max={3600}
              value={f.serviceLevelSeconds}
              onChange={set('serviceLevelSeconds')}
              error={fieldError('input.serviceLevelSeconds')}
            />
          </div>
          <div className="row">
            <TextField
              label="Shrinkage (%)"
              type="number"
              min={0}
              max={90}
              value={f.shrinkage}
              onChange={set('shrinkage')}
              error={fieldError('input.shrinkage')}
            />
            <TextField
              label="Maximum occupancy (%)"
              type="number"
              min={10}
              max={100}
              value={f.maxOccupancy}
              onChange={set('maxOccupancy')}
              error={fieldError('input.maxOccupancy')}
            />
            {f.channel === 'CHAT' && (
              <TextField
                label="Chats per agent"
                type="number"
                min={1}
                max={10}
                value={f.chatConcurrency}
                onChange={set('chatConcurrency')}
                error={fieldError('input.chatConcurrency')}
              />
            )}
          </div>
          <TextAreaField
            label="Forecast (CSV)"
            hint={
              <>
                One line per interval: start ({f.timeZone} wall time, or ISO with an offset), contacts, AHT in seconds. A header row is optional; a seats column
                may replace contacts and AHT. Example: <code>{EXAMPLE.split('\n')[1]}</code>
              </>
            }
            rows={8}
            spellCheck={false}
            className="mono"
            value={f.forecast}
            onChange={set('forecast')}
            placeholder={EXAMPLE}
            error={forecastError}
          />
          <UploadField onText={(text) => setF((old) => ({ ...old, forecast: text }))} />
        </fieldset>
        <PreviewSection parsed={parsed} preview={preview} timeZone={f.timeZone} />
        <fieldset>
          <legend>Terms</legend>
          <div className="row">
            <TextField
              label="Reserve rate per seat-hour"
              inputMode="decimal"
              placeholder="28.00"
              value={f.reserveRate}
              onChange={set('reserveRate')}
              error={fieldError('input.reserveRate')}
            />
            <TextField
              label="Currency"
              hint="ISO 4217"
              maxLength={3}
              value={f.currency}
              onChange={(e) => setF((o) => ({ ...o, currency: e.target.value.toUpperCase() }))}
              error={fieldError('input.currency')}
            />
          </div>
          <div className="row">
            <TextField
              label={`Bidding closes (${f.timeZone})`}
              type="datetime-local"
              value={f.biddingClosesAt}
              onChange={set('biddingClosesAt')}
              error={fieldError('input.biddingClosesAt')}
            />
            <TextField
              label="Largest share of one vendor (%)"
              hint="Optional, for continuity"
              type="number"
              min={1}
              max={100}
              value={f.maxVendorShare}
              onChange={set('maxVendorShare')}
              error={fieldError('input.maxVendorShare')}
            />
            <TextField
              label="Quality weight"
              hint="0 = price only, 1 = full value"
              type="number"
              min={0}
              max={1}
              step="0.1"
              value={f.qualityWeight}
              onChange={set('qualityWeight')}
              error={fieldError('input.qualityWeight')}
            />
          </div>
          {parsed?.ok && parsed.rows[0] && <p className="hint">First interval starts {formatDateTime(parsed.rows[0].startsAt, f.timeZone)}.</p>}
        </fieldset>
        <FormError error={unplaced} />
        <div className="actions">
          <button type="submit" disabled={posting.fetching}>
            Post and publish
          </button>
          <button type="button" className="secondary" disabled={posting.fetching} onClick={submit(false)}>
            Save as draft
          </button>
        </div>
      </form>
    </section>
  );
}

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { firstError } from '../../lib/errors';
import { formatDateTime, localZone, toWallTime, zonedWallTimeToUtc } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { errorFor, FormError, TextField, type UserErrorLike } from '../../components/form';
import { Empty, QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';
import { useViewer } from '../../viewer';
import { useTestClock } from './clock';
import { AdvanceTestClock, CLOCK_MOVED } from './documents';

const HOUR = 3_600_000;

/**
 * A sandbox session's test clock: its time and status (read again every second while ADVANCING),
 * and moving it forward, to a chosen time or by an hour or a day. A time at or before the clock is
 * TestClockBackwardsError, shown next to the field.
 */
export function TestClockScreen() {
  useTitle('Test clock');
  const sandboxId = useViewer().organization.sandboxId;
  if (!sandboxId) return <Empty>Only a sandbox organisation has a test clock. Your sandboxes are on the Sandboxes page.</Empty>;
  return <Clock sandboxId={sandboxId} />;
}

function Clock({ sandboxId }: { sandboxId: string }) {
  const zone = localZone();
  const { result, refetch } = useTestClock(sandboxId);
  const [advancing, advance] = useMutation(AdvanceTestClock);
  const [to, setTo] = useState('');
  const [error, setError] = useState<UserErrorLike | null>(null);

  const moveTo = async (target: Date | null) => {
    setError(null);
    if (!target) return setError({ code: 'VALIDATION', message: `Enter a date and time that exists in ${zone}.`, field: 'to' });
    const r = await advance({ id: sandboxId, to: target.toISOString() });
    const answer = r.data?.advanceTestClock;
    if (!answer) return setError(firstError(r.error));
    if (answer.__typename !== 'TestClock') return setError(answer as UserErrorLike);
    window.dispatchEvent(new Event(CLOCK_MOVED));
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <section>
      <PageHeader title="Test clock" sub="This sandbox’s now: it moves only when you advance it, never back" />
      <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Reading the test clock">
        {(d) => {
          const clock = d.testClock;
          const by = (ms: number) => () => void moveTo(new Date(Date.parse(clock.time) + ms));
          const submit = (e: FormEvent) => {
            e.preventDefault();
            void moveTo(to ? zonedWallTimeToUtc(to, zone) : null);
          };
          return (
            <>
              <dl className="terms" aria-live="polite">
                <div>
                  <dt>Clock</dt>
                  <dd>
                    <time dateTime={clock.time} data-testid="clock-time">
                      {formatDateTime(clock.time, zone)}
                    </time>
                  </dd>
                </div>
                <div>
                  <dt>Status</dt>
                  <dd data-clock-status={clock.status}>
                    <Status value={clock.status} />
                    {clock.status === 'ADVANCING' ? ' (clearing, settlement and rescoring due at this time are running)' : ''}
                  </dd>
                </div>
              </dl>
              <form onSubmit={submit} noValidate className="panel">
                <h2>Advance the clock</h2>
                <div className="row">
                  <button type="button" className="secondary" onClick={by(HOUR)} disabled={advancing.fetching}>
                    +1 hour
                  </button>
                  <button type="button" className="secondary" onClick={by(24 * HOUR)} disabled={advancing.fetching}>
                    +1 day
                  </button>
                </div>
                <TextField
                  label={`Advance to (${zone})`}
                  hint={`Later than the clock, at most 366 days ahead. Now ${toWallTime(clock.time, zone).replace('T', ' ')}.`}
                  type="datetime-local"
                  value={to}
                  onChange={(e) => setTo(e.target.value)}
                  error={errorFor(error, 'to')}
                />
                <FormError error={error && !errorFor(error, 'to') ? error.message : null} />
                <button type="submit" disabled={advancing.fetching}>
                  {advancing.fetching ? 'Advancing…' : 'Advance'}
                </button>
              </form>
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

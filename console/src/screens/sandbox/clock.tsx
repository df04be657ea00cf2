import { useEffect } from 'react';
import { useQuery } from 'urql';
import { formatDateTime, localZone } from '../../lib/format';
import { Status } from '../../components/status';
import { CLOCK_MOVED, TestClock } from './documents';

/** How often an ADVANCING clock is read again; a READY one every POLL_READY_MS. */
const POLL_ADVANCING_MS = 1_000;
const POLL_READY_MS = 15_000;

/**
 * A sandbox's test clock, read again while it is ADVANCING (every second) and now and then when
 * READY, and at once when this console moved it (CLOCK_MOVED).
 */
export function useTestClock(sandboxId: string) {
  const [result, refetch] = useQuery({ query: TestClock, variables: { id: sandboxId }, requestPolicy: 'network-only' });
  const status = result.data?.testClock.status;
  useEffect(() => {
    if (result.fetching) return;
    const timer = setTimeout(() => refetch({ requestPolicy: 'network-only' }), status === 'ADVANCING' ? POLL_ADVANCING_MS : POLL_READY_MS);
    return () => clearTimeout(timer);
  }, [status, result.fetching, refetch]);
  useEffect(() => {
    const moved = () => refetch({ requestPolicy: 'network-only' });
    window.addEventListener(CLOCK_MOVED, moved);
    return () => window.removeEventListener(CLOCK_MOVED, moved);
  }, [refetch]);
  return { result, refetch };
}

/** "Tue 8 Dec, 10:00 CET · ready": the clock in the browser's zone and its status. */
export function ClockReading({ sandboxId }: { sandboxId: string }) {
  const { result } = useTestClock(sandboxId);
  const clock = result.data?.testClock;
  if (!clock) return <span className="muted">{result.error ? 'clock unavailable' : 'reading the clock…'}</span>;
  return (
    <span data-clock-status={clock.status}>
      <time dateTime={clock.time}>{formatDateTime(clock.time, localZone())}</time> · <Status value={clock.status} />
    </span>
  );
}

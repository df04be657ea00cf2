import { useEffect } from 'react';
import { useQuery } from 'urql';
import { formatDateTime, localZone } from '../../lib/format';
import { Link } from '../../lib/router';
import { CLOCK_MOVED, SandboxBanner as SandboxBannerQuery } from './documents';

/**
 * "Sandbox: <name> · clock <time>" above every screen of a sandbox session, so nobody mistakes
 * test mode for the live marketplace. Read every 10 s, and at once when this console moved the clock.
 */
export function SandboxBanner({ sandboxId }: { sandboxId: string }) {
  const [result, refetch] = useQuery({ query: SandboxBannerQuery, variables: { id: sandboxId }, requestPolicy: 'network-only' });
  useEffect(() => {
    const again = () => refetch({ requestPolicy: 'network-only' });
    const timer = setInterval(again, result.data?.testClock.status === 'ADVANCING' ? 1_000 : 10_000);
    window.addEventListener(CLOCK_MOVED, again);
    return () => {
      clearInterval(timer);
      window.removeEventListener(CLOCK_MOVED, again);
    };
  }, [refetch, result.data?.testClock.status]);
  const name = result.data?.sandboxes.nodes[0]?.name;
  const clock = result.data?.testClock;
  return (
    <div className="sandbox-banner" role="region" aria-label="Sandbox">
      <strong>Sandbox{name ? `: ${name}` : ''}</strong>
      {' · clock '}
      {clock ? (
        <>
          <time dateTime={clock.time}>{formatDateTime(clock.time, localZone())}</time>
          {clock.status === 'ADVANCING' ? ' (advancing)' : ''}
        </>
      ) : (
        '…'
      )}{' '}
      · <Link to="/test-clock">Test clock</Link>
    </div>
  );
}

import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';

/** A screen is loading: announced to screen readers, shown as a quiet line. */
export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

/** What a client can act on: the message and its code, never a stack. */
export function ErrorState({ error, retry }: { error: CombinedError | Error | string; retry?: () => void }) {
  const message =
    typeof error === 'string'
      ? error
      : 'graphQLErrors' in error && error.graphQLErrors.length
        ? error.graphQLErrors.map((e) => `${e.message}${e.extensions?.code ? ` (${String(e.extensions.code)})` : ''}`).join('; ')
        : 'networkError' in error && error.networkError
          ? 'The API could not be reached.'
          : error.message;
  return (
    <div className="state error" role="alert">
      <p>{message}</p>
      {retry && (
        <button type="button" className="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Loading, error and empty states around a query's data, so no screen forgets one. */
export function QueryState<T>({
  result,
  retry,
  isEmpty,
  empty,
  what,
  children,
}: {
  result: { data?: T | undefined; fetching: boolean; error?: CombinedError | undefined };
  retry?: () => void;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  what?: string;
  children: (data: T) => ReactNode;
}) {
  if (result.error && !result.data) return <ErrorState error={result.error} {...(retry ? { retry } : {})} />;
  if (!result.data) return <Loading {...(what ? { what } : {})} />;
  if (isEmpty?.(result.data)) return <Empty>{empty ?? 'Nothing here yet.'}</Empty>;
  return <>{children(result.data)}</>;
}

/** A polite live region for things that arrive without a reload (new spikes, outcomes, settlements). */
export function LiveNotice({ message }: { message: string | null }) {
  return (
    <p className="live-notice" role="status" aria-live="polite">
      {message}
    </p>
  );
}

import { createClient as createWsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from 'urql';

/** The header every console request carries: the API refuses cookie-authenticated requests without it (CSRF). */
export const CONSOLE_HEADER = { 'x-burst-console': '1' } as const;

/**
 * The console's GraphQL client: queries and mutations over POST /graphql with the session cookie
 * (same origin) and the console header; subscriptions over graphql-ws on the same path, where the
 * browser sends the cookie with the upgrade and the API checks the Origin. The key is never here.
 */
export function createApiClient(onSessionEnded: () => void): { client: Client; close: () => void } {
  const ws = createWsClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    lazy: true,
    retryAttempts: 5,
    // 4401: the session ended (signed out, expired, key revoked) while the socket was open.
    shouldRetry: (event) => !(event && typeof event === 'object' && 'code' in event && (event as CloseEvent).code === 4401),
    on: {
      closed: (event) => {
        if (event && typeof event === 'object' && 'code' in event && (event as CloseEvent).code === 4401) onSessionEnded();
      },
    },
  });
  const client = new Client({
    url: '/graphql',
    // POST only: GET would need Apollo's preflight header and puts variables in URLs (and logs).
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: { ...CONSOLE_HEADER }, credentials: 'same-origin' }),
    exchanges: [
      mapExchange({
        onError(error) {
          const status = (error.response as Response | undefined)?.status;
          if (status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) onSessionEnded();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              return { unsubscribe: ws.subscribe(input, sink) };
            },
          };
        },
      }),
    ],
  });
  // dispose() awaits the pending connection and rejects with its CloseEvent when that connection had
  // already failed (session ended, API restarted): nothing is left to close then, so the rejection is
  // dropped here rather than surfacing as an unhandled rejection in the page.
  return { client, close: () => void Promise.resolve(ws.dispose()).catch(() => undefined) };
}

/** Exchanges an API key or a sign-in link token for a session cookie; the error message to show, or null. */
export async function startSession(body: { apiKey: string } | { link: string }): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch('/console/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CONSOLE_HEADER },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
  } catch {
    return 'The API could not be reached. Check your connection and try again.';
  }
  if (res.ok) return null;
  if (res.status === 429) return 'Too many failed sign-ins from this address. Wait a minute and try again.';
  if (res.status === 401)
    return 'apiKey' in body ? 'That key is not valid, or it has been revoked.' : 'This sign-in link has expired or was already used. Ask for a new one.';
  return `Sign-in failed (HTTP ${res.status}). Try again.`;
}

export async function endSession(): Promise<void> {
  await fetch('/console/session', { method: 'DELETE', headers: { ...CONSOLE_HEADER }, credentials: 'same-origin' }).catch(() => undefined);
}

/** Saves text as a file (CSV downloads), without leaving the page. */
export function download(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

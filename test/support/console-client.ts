/** A browser's view of the console API: sign in, then GraphQL with the session cookie and the console header. */
import type { GqlResponse } from './client.js';

export const CONSOLE_HEADERS = { 'content-type': 'application/json', 'x-burst-console': '1' };

export interface SignIn {
  status: number;
  body: Record<string, any>;
  /** The Set-Cookie header as sent. */
  setCookie: string | null;
  /** `name=value`, as a browser would send it back. */
  cookie: string | null;
}

/** POST /console/session from the API's base URL (http://host:port) with `{ apiKey }` or `{ link }`. */
export async function signIn(base: string, body: Record<string, unknown>, headers: Record<string, string> = CONSOLE_HEADERS): Promise<SignIn> {
  const res = await fetch(`${base}/console/session`, { method: 'POST', headers, body: JSON.stringify(body) });
  const setCookie = res.headers.get('set-cookie');
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, setCookie, cookie: setCookie ? setCookie.split(';', 1)[0]! : null };
}

export async function signOut(base: string, cookie: string): Promise<Response> {
  return fetch(`${base}/console/session`, { method: 'DELETE', headers: { ...CONSOLE_HEADERS, cookie } });
}

/** GraphQL over POST with the cookie (and by default the console header). */
export async function cookieGql(
  base: string,
  cookie: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = CONSOLE_HEADERS,
): Promise<GqlResponse> {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { ...headers, cookie }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: Record<string, any> | null; errors?: GqlResponse['errors'] };
  return { status: res.status, data: body.data ?? null, ...(body.errors ? { errors: body.errors } : {}) };
}

/** The path of a sign-in link made by `createConsoleSignInLink`, reduced to its token. */
export const linkToken = (path: string) => path.split('#link=')[1]!;

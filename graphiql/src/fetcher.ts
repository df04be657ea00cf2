/**
 * How GraphiQL talks to this API: queries and mutations as POST /graphql with the API key as
 * `Authorization: Bearer`, subscriptions over graphql-ws on the same path with the key in
 * connectionParams. Without a key, a console session on this origin is used (its cookie, and the
 * header that proves the request comes from a page of this origin).
 */
import { createClient, type Client } from 'graphql-ws';
import { getOperationAST, parse, type FormattedExecutionResult } from 'graphql';

export interface FetcherParams {
  query: string;
  operationName?: string | null;
  variables?: unknown;
}

export type FetchResult = FormattedExecutionResult;

function isSubscription(params: FetcherParams): boolean {
  try {
    return getOperationAST(parse(params.query), params.operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

export function createFetcher(apiKey: string) {
  let ws: Client | null = null;
  const authorization = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  return (params: FetcherParams, opts?: { headers?: Record<string, unknown> }): Promise<FetchResult> | AsyncIterable<FetchResult> => {
    if (isSubscription(params)) {
      ws ??= createClient({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`, connectionParams: authorization, lazy: true });
      return ws.iterate({ query: params.query, operationName: params.operationName ?? null, variables: (params.variables ?? {}) as Record<string, unknown> });
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    for (const [name, value] of Object.entries(opts?.headers ?? {})) headers[name.toLowerCase()] = String(value);
    Object.assign(headers, apiKey ? authorization : { 'x-burst-console': '1' });
    return fetch('/graphql', { method: 'POST', headers, body: JSON.stringify(params), credentials: 'same-origin' }).then(
      (r) => r.json() as Promise<FetchResult>,
    );
  };
}

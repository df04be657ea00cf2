import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A GraphQL error from the API, with its stable `extensions.code` (UNAUTHENTICATED, RATE_LIMITED, …). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface GraphQLResponse<R> {
  data?: R | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * Queries and mutations over POST, typed by the document. A 429 is retried after the server's
 * `retry-after`; any other GraphQL error is thrown as an ApiError with its code.
 */
export function httpClient(url: string, key: string) {
  return async function request<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: print(document), variables }),
      });
      if (res.status === 429 && attempt < 5) {
        await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
        continue;
      }
      const body = (await res.json()) as GraphQLResponse<R>;
      const error = body.errors?.[0];
      if (error) throw new ApiError(error.extensions?.code ?? `HTTP_${res.status}`, error.message);
      if (!body.data) throw new ApiError(`HTTP_${res.status}`, 'no data');
      return body.data;
    }
  };
}

/** Subscriptions over graphql-ws on the same URL, the key in connectionParams (the `ws` package; browsers have their own WebSocket). */
export function wsClient(url: string, key: string): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 10,
  });
}

/** Each result of a typed subscription; a GraphQL error on it is thrown with its code. */
export async function* follow<R, V>(client: Client, document: TypedDocumentNode<R, V>): AsyncGenerator<R> {
  for await (const result of client.iterate<R>({ query: print(document) })) {
    const error = result.errors?.[0];
    if (error) throw new ApiError(String(error.extensions?.code ?? 'UNKNOWN'), error.message);
    if (result.data) yield result.data as R;
  }
}

/** A readable message for whatever a client threw: an Error, GraphQL errors, or a WebSocket close event. */
export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (Array.isArray(e)) return e.map((x: { message?: string; extensions?: { code?: string } }) => `${x.extensions?.code ?? 'ERROR'}: ${x.message}`).join('; ');
  if (e && typeof e === 'object' && 'code' in e) return `socket closed ${(e as { code: number }).code} ${(e as { reason?: string }).reason ?? ''}`.trim();
  if (e && typeof e === 'object' && 'message' in e) return `socket error: ${String((e as { message: unknown }).message)}`;
  return String(e);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

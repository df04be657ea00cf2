import { createHmac } from 'node:crypto';

/** A client of POST /ingest/quality as a brand's system would write one: signs the raw body it sends. */
export function signedHeaders(secret: string, organizationId: string, body: string, at: Date): Record<string, string> {
  const ts = String(Math.floor(at.getTime() / 1000));
  return {
    'x-burst-organization': organizationId,
    'x-burst-timestamp': ts,
    'x-burst-signature': `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
  };
}

export interface IngestResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** Posts `body` to the API's /ingest/quality (`graphqlUrl` is the harness's /graphql URL). */
export async function postIngest(graphqlUrl: string, body: string, headers: Record<string, string>): Promise<IngestResponse> {
  const res = await fetch(graphqlUrl.replace(/\/graphql$/, '/ingest/quality'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

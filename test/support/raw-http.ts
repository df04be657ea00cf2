/** Requests exactly as given (any body, any headers, any method), for the limits and error-shape tests. */
export interface Raw {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** A request exactly as given: any body, any headers. */
export async function raw(url: string, body: string | undefined, headers: Record<string, string> = {}, method = 'POST'): Promise<Raw> {
  const defaults: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json' } : {};
  const res = await fetch(url, { method, headers: { ...defaults, ...headers }, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

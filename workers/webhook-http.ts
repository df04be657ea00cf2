import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isPrivateAddress } from '../src/domain/webhooks/url-policy.js';

export interface PostResult {
  /** HTTP status, or null when no answer came (refused, reset, timed out, blocked). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface PostOptions {
  timeoutMs: number;
  /** Allow addresses in private networks (tests, or a deployment that needs internal receivers). */
  allowPrivateNetworks: boolean;
}

/** How much of an error answer's body is kept in the delivery log, to help the receiver debug. */
const ERROR_BODY_CHARS = 200;
const USER_AGENT = 'BurstExchange-Webhooks/1';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup that refuses private addresses. It is the lookup the socket connects with, so a
 * host name that resolves to a public address when checked and a private one when connecting
 * (DNS rebinding) cannot slip through.
 */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) return callback(Object.assign(new Error(`${hostname} resolves to ${blocked.address}, in a private network`), { code: 'EPRIVATE' }), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

/**
 * POSTs a webhook body. Never throws: every outcome is a PostResult for the delivery log.
 * Redirects are not followed (a 3xx is a failed attempt: the endpoint should be updated).
 * The whole exchange, connecting included, must finish within `timeoutMs`.
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, options: PostOptions): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, error, durationMs: elapsed() });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ statusCode: null, error: 'Invalid URL', durationMs: 0 });
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivateNetworks && isIP(host) && isPrivateAddress(host)) {
      return resolve({ statusCode: null, error: `${host} is in a private network`, durationMs: 0 });
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': USER_AGENT, ...headers },
      ...(options.allowPrivateNetworks ? {} : { lookup: guardedLookup as never }),
    }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        // Delivered: the body is not needed, and a receiver that streams one must not hold the attempt open.
        finish(status, null);
        res.destroy();
        return;
      }
      let text = '';
      const failed = () => {
        finish(status, `HTTP ${status}${text ? `: ${text.slice(0, ERROR_BODY_CHARS)}` : ''}`);
        res.destroy();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length >= ERROR_BODY_CHARS) failed();
      });
      res.on('end', failed);
      res.on('error', failed);
    });
    const timer = setTimeout(() => {
      finish(null, `Timed out after ${options.timeoutMs} ms`);
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(null, err.code ? `${err.code}: ${err.message}` : err.message));
    req.end(body);
  });
}

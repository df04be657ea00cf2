import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostRefusal, isPrivateAddress } from '../src/domain/webhooks/url-policy.js';

export interface PostResult {
  /** HTTP status, or null when no answer came (refused, reset, timed out, blocked). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export type Resolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface PostOptions {
  timeoutMs: number;
  /** Allow addresses in private networks (tests, or a deployment that needs internal receivers). */
  allowPrivateNetworks: boolean;
  /** How host names are resolved: `dns.lookup` unless a test gives its own DNS answers. */
  resolver?: Resolver;
}

/** How much of an error answer's body is kept in the delivery log, to help the receiver debug. */
const ERROR_BODY_CHARS = 200;
const USER_AGENT = 'BurstExchange-Webhooks/1';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Refusal code of a lookup that found a private address; reported like a name that does not resolve. */
const PRIVATE_CODE = 'EPRIVATE';

/**
 * The lookup the socket connects with: `resolve`, refusing private addresses unless they are
 * allowed. Checked here, at connection time, a host name that resolves to a public address when
 * registered and a private one when connecting (DNS rebinding) cannot slip through. The error
 * says nothing about the addresses found.
 */
function socketLookup(resolve: Resolver, allowPrivateNetworks: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      if (!addresses.length || (!allowPrivateNetworks && addresses.some((a) => isPrivateAddress(a.address)))) {
        return callback(Object.assign(new Error('refused address'), { code: PRIVATE_CODE }), []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

const DNS_CODES = new Set([PRIVATE_CODE, 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED']);
const CONNECTION_TEXT: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by the receiver',
  EPIPE: 'Connection closed by the receiver',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'Host unreachable',
  ENETUNREACH: 'Network unreachable',
};

/**
 * What the delivery log says about a failed connection. The log is the tenant's to read, so it
 * never carries Node's message, which names the address the host resolved to or the socket
 * connected to ("connect ECONNREFUSED 10.0.0.5:443", a certificate's IP altnames): only a fixed
 * text per kind of failure and the error code. A name that does not resolve and one that
 * resolves into a private network read the same, so the log is no oracle for internal names.
 */
export function deliveryErrorText(err: NodeJS.ErrnoException): string {
  const code = typeof err.code === 'string' && /^[A-Z0-9_]{1,64}$/.test(err.code) ? err.code : null;
  if (code && DNS_CODES.has(code)) return 'The host name did not resolve to a public address';
  if (code && CONNECTION_TEXT[code]) return CONNECTION_TEXT[code]!;
  if (code && /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/.test(code)) return `TLS handshake failed (${code})`;
  if (code && code.startsWith('HPE_')) return `Invalid HTTP response (${code})`;
  return code ? `Connection failed (${code})` : 'Connection failed';
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
    // The same host rule as at registration (a URL stored before a rule was added is caught
    // here too); names are then checked against what they resolve to, in guardedLookup.
    const refused = options.allowPrivateNetworks ? null : hostRefusal(target.hostname);
    if (refused) return resolve({ statusCode: null, error: `The URL points into a private network (${refused})`, durationMs: 0 });
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': USER_AGENT, ...headers },
        lookup: socketLookup(options.resolver ?? (dnsLookup as Resolver), options.allowPrivateNetworks),
      },
      (res: IncomingMessage) => {
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
      },
    );
    const timer = setTimeout(() => {
      finish(null, `Timed out after ${options.timeoutMs} ms`);
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(null, deliveryErrorText(err)));
    req.end(body);
  });
}

import { BlockList, isIP } from 'node:net';

/** Where webhooks may point. Production refuses plain http and private networks (see README). */
export interface WebhookUrlPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

export const STRICT_URL_POLICY: WebhookUrlPolicy = { allowHttp: false, allowPrivateNetworks: false };

export const MAX_URL_LENGTH = 2048;

/**
 * Loopback, private, link-local (cloud metadata), carrier-grade NAT, unspecified, multicast and
 * reserved ranges: a webhook must not be a way to reach the marketplace's own network.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

/** True for an address webhooks may not reach unless private networks are allowed. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped ? PRIVATE.check(mapped[1]!, 'ipv4') : PRIVATE.check(address, 'ipv6');
  }
  return true; // not an address at all: refuse
}

/**
 * Why a URL cannot be a webhook endpoint, or null when it can: absolute https (http only when
 * allowed), no credentials or fragment, at most 2,048 characters, and not a literal private
 * address. Host names are checked again when delivering, against the addresses they resolve to.
 */
export function webhookUrlProblem(raw: string, policy: WebhookUrlPolicy): string | null {
  if (raw.length > MAX_URL_LENGTH) return `The URL is longer than ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Not an absolute URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp ? 'The URL must use https or http' : 'The URL must use https';
  }
  if (url.username || url.password) return 'The URL must not contain credentials; authenticate deliveries by their signature';
  if (url.hash) return 'The URL must not contain a fragment';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) return 'The URL has no host';
  if (!policy.allowPrivateNetworks && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isPrivateAddress(host)))) {
    return 'The URL points into a private network';
  }
  return null;
}

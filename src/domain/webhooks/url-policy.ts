import { parseIPv4, parseIPv6, type IPv6Groups } from './ip-address.js';

/** Where webhooks may point. Production refuses plain http and private networks (see README). */
export interface WebhookUrlPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

export const STRICT_URL_POLICY: WebhookUrlPolicy = { allowHttp: false, allowPrivateNetworks: false };

export const MAX_URL_LENGTH = 2048;

/**
 * IPv4 ranges a webhook may not reach: "this network", private, carrier-grade NAT, loopback,
 * link-local (cloud metadata), IETF protocol assignments, the 6to4 relay anycast, benchmarking,
 * multicast, reserved and broadcast. The documentation ranges stay allowed (tests use them as
 * stand-ins for public hosts).
 */
const IPV4_REFUSED: readonly { base: number; bits: number; kind: string }[] = (
  [
    ['0.0.0.0', 8, 'this network'],
    ['10.0.0.0', 8, 'private'],
    ['100.64.0.0', 10, 'carrier-grade NAT'],
    ['127.0.0.0', 8, 'loopback'],
    ['169.254.0.0', 16, 'link-local'],
    ['172.16.0.0', 12, 'private'],
    ['192.0.0.0', 24, 'IETF protocol assignments'],
    ['192.88.99.0', 24, '6to4 relay'],
    ['192.168.0.0', 16, 'private'],
    ['198.18.0.0', 15, 'benchmarking'],
    ['224.0.0.0', 3, 'multicast or reserved'],
  ] as const
).map(([net, bits, kind]) => ({ base: parseIPv4(net)!, bits, kind }));

/**
 * IPv6 ranges a webhook may not reach. Besides loopback, link-local, unique-local, site-local
 * and multicast, every form that embeds or tunnels to an IPv4 address is refused outright
 * (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64, 6to4, Teredo): each can lead to an IPv4
 * address the IPv4 rules would refuse, and a public IPv4 receiver is reachable by its own address.
 */
const IPV6_REFUSED: readonly [IPv6Groups, number, string][] = [
  [[0, 0, 0, 0, 0, 0xffff, 0, 0], 96, 'IPv4-mapped'],
  [[0, 0, 0, 0, 0xffff, 0, 0, 0], 96, 'IPv4-translated'],
  [[0, 0, 0, 0, 0, 0, 0, 0], 96, 'unspecified, loopback or IPv4-compatible'],
  [[0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, 'NAT64'],
  [[0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, 'NAT64 (local use)'],
  [[0x100, 0, 0, 0, 0, 0, 0, 0], 64, 'discard-only'],
  [[0x2001, 0, 0, 0, 0, 0, 0, 0], 32, 'Teredo'],
  [[0x2002, 0, 0, 0, 0, 0, 0, 0], 16, '6to4'],
  [[0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, 'unique-local'],
  [[0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, 'link-local'],
  [[0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, 'site-local'],
  [[0xff00, 0, 0, 0, 0, 0, 0, 0], 8, 'multicast'],
];

function inIPv4Range(address: number, base: number, bits: number): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (address & mask) >>> 0 === (base & mask) >>> 0;
}

function inIPv6Range(address: IPv6Groups, base: IPv6Groups, bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((address[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

/**
 * Why webhooks may not be sent to this IP address, or null when they may. Takes IPv4 in any
 * notation inet_aton accepts (2130706433, 0x7f.1, 0177.0.0.1, 127.1) and IPv6 in any case, with
 * or without brackets; an address with a zone id (fe80::1%eth0) is scoped to one machine and
 * refused. Anything that is not an IP address is refused too.
 */
export function addressRefusal(address: string): string | null {
  const text = address
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  const v4 = parseIPv4(text.replace(/\.$/, ''));
  if (v4 !== null) return IPV4_REFUSED.find((r) => inIPv4Range(v4, r.base, r.bits))?.kind ?? null;
  const v6 = parseIPv6(text);
  if (!v6) return 'not an IP address';
  if (v6.zone !== null) return 'scoped to a network interface (zone id)';
  return IPV6_REFUSED.find(([base, bits]) => inIPv6Range(v6.groups, base, bits))?.[2] ?? null;
}

/** True for an address webhooks may not reach unless private networks are allowed. */
export function isPrivateAddress(address: string): boolean {
  return addressRefusal(address) !== null;
}

/**
 * Why a URL's host may not receive webhooks, or null when it may (as far as can be told without
 * DNS: a host name is checked again at delivery, against the addresses it resolves to). Refuses
 * `localhost` and `*.localhost` in any case, with or without the trailing dot of a fully
 * qualified name, and every refused IP address in any notation.
 */
export function hostRefusal(host: string): string | null {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'localhost';
  const isAddress = parseIPv4(name) !== null || name.includes(':');
  return isAddress ? addressRefusal(name) : null;
}

/**
 * Why a URL cannot be a webhook endpoint, or null when it can: absolute https (http only when
 * allowed), no credentials or fragment, at most 2,048 characters, and not a private host
 * (hostRefusal). Host names are checked again when delivering, against the addresses they
 * resolve to.
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
  if (!url.hostname) return 'The URL has no host';
  const refused = policy.allowPrivateNetworks ? null : hostRefusal(url.hostname);
  return refused ? `The URL points into a private network (${refused})` : null;
}

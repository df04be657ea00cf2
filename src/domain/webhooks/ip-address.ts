/**
 * IP address parsing for the webhook URL policy: pure, and lenient exactly where resolvers are,
 * so that no spelling of an address can slip past the policy that a socket would still connect to.
 */

/** Eight 16-bit groups of an IPv6 address. */
export type IPv6Groups = readonly number[];

const MAX_PART_CHARS = 32;

function ipv4Part(part: string): number | null {
  if (part.length === 0 || part.length > MAX_PART_CHARS) return null;
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return Number.parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return Number.parseInt(part, 10);
  return null;
}

/**
 * An IPv4 address as an unsigned 32-bit number, in every notation that inet_aton and the WHATWG
 * URL parser accept: one to four parts, each decimal, octal (leading 0) or hexadecimal (0x),
 * the last part filling the remaining bytes: 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 are all
 * 127.0.0.1. Null when the text is not such an address (a host name, say).
 */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const values = parts.map(ipv4Part);
  if (values.some((v) => v === null)) return null;
  const nums = values as number[];
  const last = nums[nums.length - 1]!;
  if (nums.slice(0, -1).some((v) => v > 255) || last >= 256 ** (5 - nums.length)) return null;
  let address = 0;
  for (const v of nums.slice(0, -1)) address = address * 256 + v;
  return address * 256 ** (5 - nums.length) + last;
}

/** A strict dotted quad (a.b.c.d, decimal), as IPv6 text may end with one. */
function dottedQuad(text: string): [number, number] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) return null;
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number];
  return [a * 256 + b, c * 256 + d];
}

function groupsOf(text: string): number[] | null {
  if (text === '') return [];
  const out: number[] = [];
  const pieces = text.split(':');
  for (const [i, piece] of pieces.entries()) {
    if (i === pieces.length - 1 && piece.includes('.')) {
      const quad = dottedQuad(piece);
      if (!quad) return null;
      out.push(...quad);
    } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
      out.push(Number.parseInt(piece, 16));
    } else {
      return null;
    }
  }
  return out;
}

/**
 * An IPv6 address as eight 16-bit groups, with its zone id (the part after `%`) if it has one.
 * Accepts `::` compression, upper or lower case and a trailing dotted IPv4 part (::ffff:1.2.3.4).
 * Null when the text is not an IPv6 address.
 */
export function parseIPv6(text: string): { groups: IPv6Groups; zone: string | null } | null {
  const percent = text.indexOf('%');
  const zone = percent >= 0 ? text.slice(percent + 1) : null;
  const address = percent >= 0 ? text.slice(0, percent) : text;
  if (zone === '' || !address.includes(':') || address.length > 64) return null;
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  // The dotted part is only allowed last: in the head of a compressed address it is not.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const explicit = head.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  return { groups: [...head, ...Array<number>(8 - explicit).fill(0), ...tail], zone };
}

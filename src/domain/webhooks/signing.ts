import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `x-burst-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp is signed with the body, so a receiver that rejects old timestamps also
 * rejects replays; every retry is signed afresh with its own time.
 *
 * This is Stripe's `Stripe-Signature` scheme byte for byte (the same `t=`/`v1=` header, the same
 * signed payload `<t>.<raw body>`, HMAC-SHA256 keyed with the secret's UTF-8 bytes, lower-case
 * hex), so Stripe's SDK verifiers accept it given this header's value and the endpoint's secret
 * (docs/integrating.md#webhooks).
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, body)}`;
}

function hmacHex(secret: string, t: number | string, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

/**
 * What a receiver does (the README shows the same in a few lines): parse the header, recompute
 * the HMAC over the raw body, compare in constant time, and refuse timestamps more than
 * `toleranceSeconds` away from now.
 */
export function verifySignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const pairs = header.split(',').map((kv) => {
    const at = kv.indexOf('=');
    return [kv.slice(0, at).trim(), kv.slice(at + 1).trim()] as const;
  });
  const t = pairs.find(([k]) => k === 't')?.[1];
  // As Stripe's verifiers do: any of several v1 signatures may match (room for a secret rotation); other schemes are ignored.
  const signatures = pairs.filter(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => Buffer.from(v, 'hex'));
  if (!t || !/^\d+$/.test(t) || !signatures.length) return false;
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
  return signatures.some((given) => timingSafeEqual(expected, given));
}

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signing.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1","type":"bid.outcome","createdAt":"2026-11-25T00:00:00.000Z","data":{}}';

  it('is t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader(secret, body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies the original and nothing else', () => {
    const header = signatureHeader(secret, body, 1_700_000_000);
    expect(verifySignature(secret, body, header, 1_700_000_010)).toBe(true);
    expect(verifySignature(secret, `${body} `, header, 1_700_000_010)).toBe(false);
    expect(verifySignature('whsec_other', body, header, 1_700_000_010)).toBe(false);
    expect(verifySignature(secret, body, header.replace('t=1700000000', 't=1700000001'), 1_700_000_010)).toBe(false);
    expect(verifySignature(secret, body, 'garbage', 1_700_000_010)).toBe(false);
  });

  it('refuses timestamps outside the tolerance, so old deliveries cannot be replayed', () => {
    const header = signatureHeader(secret, body, 1_700_000_000);
    expect(verifySignature(secret, body, header, 1_700_000_300)).toBe(true);
    expect(verifySignature(secret, body, header, 1_700_000_301)).toBe(false);
    expect(verifySignature(secret, body, header, 1_699_999_699)).toBe(false);
  });

  it('parses the header as Stripe does: several v1 values (any may match), other schemes ignored', () => {
    const header = signatureHeader(secret, body, 1_700_000_000);
    const v1 = header.split(',v1=')[1]!;
    const wrong = 'a'.repeat(64);
    expect(verifySignature(secret, body, `t=1700000000,v1=${wrong},v1=${v1},v0=${wrong}`, 1_700_000_010)).toBe(true);
    expect(verifySignature(secret, body, `t=1700000000, v0=${v1}`, 1_700_000_010)).toBe(false);
    expect(verifySignature(secret, body, `t=1700000000,v1=${wrong}`, 1_700_000_010)).toBe(false);
  });
});

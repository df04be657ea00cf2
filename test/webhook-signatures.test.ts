import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { startReceiver, type ReceivedRequest, type Receiver } from './support/webhook-receiver.js';

/**
 * Webhook signatures as an integrator verifies them (issue 16, item 5): a real delivery, from the
 * real relay and webhook worker, checked with Stripe's own verifier (stripe-node) and with the
 * TypeScript and Python snippets of docs/integrating.md, taken from the page itself so the page
 * cannot drift from what works.
 */
const GUIDE = readFileSync('docs/integrating.md', 'utf8');
const SNIPPETS = resolve('test-output', 'snippets');

function snippet(lang: string, marker: string): string {
  const block = [...GUIDE.matchAll(/```(\w+)\n([\s\S]*?)```/g)].find((m) => m[1] === lang && m[2]!.includes(marker));
  if (!block) throw new Error(`docs/integrating.md has no \`\`\`${lang} block with ${marker}`);
  return block[2]!;
}

let h: Harness;
let m: Market;
let receiver: Receiver;
let delivery: ReceivedRequest;
let secret: string;

beforeAll(async () => {
  h = await startHarness({ realtime: true });
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  receiver = await startReceiver();
  const registered = ok(
    await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: receiver.url, eventTypes: ['DEMAND_SPIKE_POSTED'] } }, m.vendorA.key),
  ).registerWebhookEndpoint;
  secret = registered.signingSecret;
  await anOpenSpike(h.url, h.clock, m.brand.key);
  delivery = await eventually(async () => receiver.requests[0]);
  mkdirSync(SNIPPETS, { recursive: true });
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

const header = () => String(delivery.headers['x-burst-signature']);
const tampered = () => delivery.body.replace('"demand_spike.posted"', '"demand_spike.posted "');

describe('a delivered webhook signature', () => {
  it('is accepted by Stripe’s own verifier (stripe-node), which refuses a changed body, another secret and an old timestamp', () => {
    const event = Stripe.webhooks.constructEvent(delivery.body, header(), secret) as unknown as { id: string; type: string };
    expect(event).toMatchObject({ id: delivery.headers['x-burst-event-id'], type: 'demand_spike.posted' });
    expect(() => Stripe.webhooks.constructEvent(tampered(), header(), secret)).toThrow(/signature/i);
    expect(() => Stripe.webhooks.constructEvent(delivery.body, header(), `${secret}x`)).toThrow(/signature/i);
    expect(() => Stripe.webhooks.constructEvent(delivery.body, header(), secret, 1, undefined, Date.now() + 60_000)).toThrow(/tolerance/i);
  });

  it('verifies with the TypeScript snippet of docs/integrating.md', async () => {
    const file = join(SNIPPETS, 'verify-burst-signature.ts');
    writeFileSync(file, snippet('ts', 'export function verifyBurstSignature'));
    const { verifyBurstSignature } = (await import(file)) as {
      verifyBurstSignature: (secret: string, body: string | Buffer, header: string, tolerance?: number, now?: number) => boolean;
    };
    expect(verifyBurstSignature(secret, delivery.body, header())).toBe(true);
    expect(verifyBurstSignature(secret, Buffer.from(delivery.body, 'utf8'), header())).toBe(true);
    expect(verifyBurstSignature(secret, tampered(), header())).toBe(false);
    expect(verifyBurstSignature(`${secret}x`, delivery.body, header())).toBe(false);
    expect(verifyBurstSignature(secret, delivery.body, header(), 300, Date.now() / 1000 + 3_600)).toBe(false);
    expect(verifyBurstSignature(secret, delivery.body, 'garbage')).toBe(false);
  });

  it('verifies with the Python snippet of docs/integrating.md (python3, standard library only)', () => {
    const file = join(SNIPPETS, 'verify_burst_signature.py');
    writeFileSync(
      file,
      `${snippet('python', 'def verify_burst_signature')}\n\nif __name__ == "__main__":\n    import json, sys\n    cases = json.load(sys.stdin)\n    print(json.dumps([verify_burst_signature(c["secret"], c["body"].encode("utf-8"), c["header"]) for c in cases]))\n`,
    );
    const cases = [
      { secret, body: delivery.body, header: header() },
      { secret, body: tampered(), header: header() },
      { secret: `${secret}x`, body: delivery.body, header: header() },
      { secret, body: delivery.body, header: header().replace(/t=\d+/, 't=1000000000') },
    ];
    const out = execFileSync('python3', [file], { input: JSON.stringify(cases), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([true, false, false, false]);
  });
});

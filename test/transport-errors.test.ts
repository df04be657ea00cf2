import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { aMarket, type Market } from './support/builders.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { rawSocket, subscribe, type RawSocket } from './support/ws-client.js';

/**
 * Client mistakes below GraphQL never look like our bugs: a WebSocket frame or message the
 * protocol refuses (too big, not UTF-8, malformed), and a subscription sent over HTTP, are
 * answered with their close code or 400 BAD_REQUEST, logged at warn level without a stack, and
 * nothing reaches console.error or stderr (graphql-ws's own adapter printed these with a stack).
 * Real sockets, the real PostgreSQL and Redis.
 */
const lines: Record<string, unknown>[] = [];
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk, _e, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  }),
);

let h: Harness;
let m: Market;
let consoleError: MockInstance;
let stderr: MockInstance;
const sockets: RawSocket[] = [];
beforeAll(async () => {
  h = await startHarness({ logger });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  lines.length = 0;
  consoleError = vi.spyOn(console, 'error');
  stderr = vi.spyOn(process.stderr, 'write');
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  consoleError.mockRestore();
  stderr.mockRestore();
});

const open = async () => {
  const s = await rawSocket(h.wsUrl);
  sockets.push(s);
  return s;
};

/** Nothing at error level, no stack, no internal error anywhere in the log; nothing printed around the logger. */
function expectNoErrorOutput() {
  expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  expect(JSON.stringify(lines)).not.toMatch(/"stack"|\\n\s+at |INTERNAL_SERVER_ERROR|4500/);
  expect(consoleError).not.toHaveBeenCalled();
  expect(stderr).not.toHaveBeenCalled();
}

const protocolWarnings = () => lines.filter((l) => l.msg === 'WebSocket protocol error from a client; socket closed');

describe('WebSocket protocol errors', () => {
  const huge = (bytes: number) => JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(bytes) } });

  it('closes a message over 1 MiB with 1009, before authentication and after it, with a warning and no stack', async () => {
    const anonymous = await open();
    anonymous.ws.send(huge(1024 * 1024));
    expect((await anonymous.closed).code).toBe(1009);

    const acked = await open();
    expect(await acked.init(m.vendorA.key)).toBe('acked');
    acked.subscribe('1', `subscription { demandSpikePosted { eventId } } # ${'x'.repeat(1024 * 1024)}`);
    expect((await acked.closed).code).toBe(1009);

    await vi.waitFor(() => expect(protocolWarnings()).toHaveLength(2));
    expect(protocolWarnings()[0]).toMatchObject({ level: 40, code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' });
    expectNoErrorOutput();
  });

  it('closes a text frame that is not UTF-8 with 1007, and a malformed frame with 1002', async () => {
    const notUtf8 = await open();
    notUtf8.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await notUtf8.closed).code).toBe(1007);

    // A masked text frame with RSV1 set, though no extension was negotiated.
    const malformed = await open();
    const payload = Buffer.from('{}');
    const mask = randomBytes(4);
    const frame = Buffer.concat([Buffer.from([0xc1, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
    (malformed.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(frame);
    expect((await malformed.closed).code).toBe(1002);

    await vi.waitFor(() => expect(protocolWarnings()).toHaveLength(2));
    expect(protocolWarnings().map((l) => l.code)).toEqual(['WS_ERR_INVALID_UTF8', 'WS_ERR_UNEXPECTED_RSV_1']);
    expectNoErrorOutput();
  });

  it('closes a message that is not graphql-ws JSON with 4400, without logging it as an error', async () => {
    const s = await open();
    s.ws.send('not json at all');
    expect(await s.closed).toEqual({ code: 4400, reason: 'Invalid message received' });
    expectNoErrorOutput();
  });

  it('leaves every other socket open and serving', async () => {
    const bystander = subscribe(h.wsUrl, m.vendorB.key, op.SPIKE_POSTED);
    await vi.waitFor(() => expect(h.events.listenerCount('demand_spike.posted')).toBe(1), { timeout: 5_000 });
    const rogue = await open();
    rogue.ws.send(huge(2 * 1024 * 1024));
    expect((await rogue.closed).code).toBe(1009);
    expect(bystander.endedNow()).toBeNull();
    expect(h.events.listenerCount('demand_spike.posted')).toBe(1);
    await bystander.dispose();
    expectNoErrorOutput();
  });
});

describe('a subscription sent over HTTP', () => {
  const SUB = 'subscription { demandSpikePosted { eventId } }';
  const post = (body: Record<string, unknown>, key?: string) =>
    fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });

  it('is refused over POST with 400 BAD_REQUEST pointing at graphql-ws, anonymous or not, logged as a warning; over GET with 405 BAD_REQUEST', async () => {
    const before = await rowCounts(h.orm);
    const answers = [
      await post({ query: SUB }),
      await post({ query: SUB }, m.vendorA.key),
      await post({ query: `query Q { me { role } } ${SUB.replace('subscription', 'subscription S')}`, operationName: 'S' }, m.vendorA.key),
    ];
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        errors: [
          {
            message:
              'Subscriptions are not served over HTTP: open a WebSocket to this same path (the graphql-transport-ws protocol of graphql-ws) and subscribe there',
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });
    }
    // Apollo refuses every operation but a query over GET, before our check.
    const get = await fetch(`${h.url}?query=${encodeURIComponent(SUB)}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${m.vendorA.key}` },
    });
    expect([get.status, get.headers.get('allow'), ((await get.json()) as any).errors[0].extensions]).toEqual([405, 'POST', { code: 'BAD_REQUEST' }]);
    // The query of the same document is served.
    const query = await post({ query: `query Q { me { role } } ${SUB.replace('subscription', 'subscription S')}`, operationName: 'Q' }, m.vendorA.key);
    expect([query.status, await query.json()]).toEqual([200, { data: { me: { role: 'VENDOR' } } }]);
    expect(await rowCounts(h.orm)).toEqual(before);
    await vi.waitFor(() => expect(lines.filter((l) => l.msg === 'subscription sent over HTTP refused')).toHaveLength(3));
    expect(lines.filter((l) => l.msg === 'subscription sent over HTTP refused').map((l) => l.level)).toEqual([40, 40, 40]);
    expectNoErrorOutput();
  });
});

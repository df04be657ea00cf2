import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/env.js';
import { deleteKeys } from './support/redis-keys.js';
import { subscribe } from './support/ws-client.js';
import { describeNeeding } from './support/requires.js';

/**
 * `npm run demo -- --keep-running` (issue 16, item 7): after the report the API stays up on PORT
 * with everything a client needs (GraphQL with rate-limit headers, subscriptions, GraphiQL, the
 * queue board on QUEUE_PREFIX, metrics), prints where each is, and stops cleanly on SIGTERM.
 */
const prefix = `bx-demo-test-${randomBytes(3).toString('hex')}`;
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
let child: ChildProcess | null = null;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await deleteKeys(redis, `${prefix}:*`);
  redis.disconnect();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describeNeeding(import.meta.url, ['redis'])('npm run demo -- --keep-running', () => {
  it('leaves a full API up on PORT and QUEUE_PREFIX, says where everything is, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--keep-running'], {
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, PORT: String(port), QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (out.includes('Ready.')) {
          clearInterval(timer);
          resolve();
        } else if (proc.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`the demo exited ${proc.exitCode}:\n${out}`));
        }
      }, 100);
    });

    const base = `http://127.0.0.1:${port}`;
    const line = (what: string) => out.split('\n').find((l) => l.trimStart().startsWith(what)) ?? '';
    expect(line('GraphQL')).toContain(`${base}/graphql`);
    expect(line('Subscriptions')).toContain(`ws://127.0.0.1:${port}/graphql`);
    expect(line('GraphiQL')).toContain(`${base}/graphiql/`);
    expect(line('Web console')).toContain(`${base}/console/`);
    expect(line('Queue board')).toContain(`${base}/admin/queues`);
    expect(line('Metrics')).toContain(`${base}/metrics`);
    expect(line('Queues')).toContain(`prefix "${prefix}"`);
    const operatorKey = /^\s+operator\s+(bx_\S+)$/m.exec(out)![1]!;
    const brandKey = /^\s+brand\s+(bx_\S+)$/m.exec(out)![1]!;

    // GraphQL, rate-limited per key.
    const me = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${brandKey}` },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(await me.json()).toEqual({ data: { me: { role: 'BRAND' } } });
    expect(Number(me.headers.get('x-ratelimit-limit'))).toBeGreaterThan(0);
    expect(me.headers.get('x-ratelimit-remaining')).not.toBeNull();

    // Subscriptions are served (without the event source they would fail at once with SERVICE_UNAVAILABLE).
    const sub = subscribe(`ws://127.0.0.1:${port}/graphql`, operatorKey, 'subscription { demandSpikePosted { eventId } }');
    await expect(sub.first(1_000)).rejects.toThrow();
    expect(sub.endedNow()).toBeNull();
    await sub.dispose();

    // GraphiQL, the queue board (operator key) on QUEUE_PREFIX, metrics.
    const graphiql = await fetch(`${base}/graphiql/`);
    expect([200, 404]).toContain(graphiql.status); // 404 only when dist/graphiql is not built, which the output then says
    if (graphiql.status === 404) expect(line('GraphiQL')).toContain('not built');
    const board = await fetch(`${base}/admin/queues/api/queues?activeQueue=clearing&page=1`, {
      headers: { authorization: `Basic ${Buffer.from(`:${operatorKey}`).toString('base64')}` },
    });
    expect(board.status).toBe(200);
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
    expect((await redis.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 10_000))[1].length).toBeGreaterThan(0);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 180_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEVELOPMENT_WEBHOOK_KEY } from '../src/config.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/env.js';
import { describeNeeding } from './support/requires.js';

/** The two entry points as real processes: they start, answer health checks and stop cleanly. */
function startProcess(entry: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'info', QUEUE_PREFIX: `bx-proc-${process.pid}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output };
}

async function waitFor(url: string, ms = 20_000): Promise<Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describeNeeding(import.meta.url, ['separate-processes'])('processes', () => {
  it('the API reports ready and shuts down gracefully on SIGTERM, finishing the request in flight', async () => {
    const port = 4700 + (process.pid % 200);
    const { child, output } = startProcess('src/main.ts', { PORT: String(port) });
    expect((await waitFor(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('bx_http_request_duration_seconds_count{method="GET",route="/readyz",status="200"} 1');
    expect((await fetch(`http://127.0.0.1:${port}/admin/queues`)).status).toBe(401);
    // An open WebSocket is told the server is going away (1001), so its client reconnects elsewhere.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await once(ws, 'open');
    const wsClosed = once(ws, 'close');
    // A request whose body is still arriving when SIGTERM lands must be answered, not cut off.
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let response = '';
    socket.on('data', (d) => (response += d));
    const body = JSON.stringify({ query: '{ __typename }' });
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    socket.write(body.slice(5));
    const [code] = await once(child, 'exit');
    expect((await wsClosed)[0]).toBe(1001);
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response).toContain('{"data":{"__typename":"Query"}}');
    expect(code).toBe(0);
    expect(output()).toContain('shutting down');
  });

  it('the workers start, serve /healthz and /metrics (behind METRICS_TOKEN) and shut down gracefully on SIGTERM', async () => {
    const port = 4900 + (process.pid % 100);
    const token = 'scrape-token-0123456789';
    const { child } = startProcess('workers/main.ts', { WORKER_HEALTH_PORT: String(port), METRICS_TOKEN: token });
    expect((await waitFor(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toMatch(/^bx_queue_jobs\{queue="clearing",state="delayed"\} \d+$/m);
    expect(metrics).toMatch(/^bx_queue_jobs\{queue="settlement",state="waiting"\} \d+$/m);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('in production serves the API’s /metrics only on METRICS_PORT, not on the public port', async () => {
    const port = 5100 + (process.pid % 100);
    const metricsPort = 5300 + (process.pid % 100);
    const { child } = startProcess('src/main.ts', {
      NODE_ENV: 'production',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
    });
    try {
      expect((await waitFor(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      const metrics = await waitFor(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      // The refused scrape on the public port is counted there (its log line may land a moment after the answer).
      let text = await metrics.text();
      for (let i = 0; i < 50 && !text.includes('route="/metrics",status="404"} 1'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      }
      expect(text).toContain('bx_http_request_duration_seconds_count{method="GET",route="/metrics",status="404"} 1');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('binds METRICS_PORT to METRICS_HOST only, so /metrics can be kept to one interface', async () => {
    const port = 5700 + (process.pid % 100);
    const metricsPort = 5900 + (process.pid % 100);
    const { child } = startProcess('src/main.ts', {
      NODE_ENV: 'production',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      // Another loopback address stands for an internal interface.
      METRICS_HOST: '127.0.0.2',
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
    });
    try {
      expect((await waitFor(`http://127.0.0.2:${metricsPort}/metrics`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it.each([
    [
      'METRICS_TOKEN',
      { WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') },
      'Invalid configuration: METRICS_TOKEN is required in production unless METRICS_PORT',
    ],
    [
      'WEBHOOK_SECRET_KEY',
      { METRICS_TOKEN: 'scrape-token-0123456789', WEBHOOK_SECRET_KEY: DEVELOPMENT_WEBHOOK_KEY.toString('hex') },
      'Invalid configuration: WEBHOOK_SECRET_KEY is a key published with the source code',
    ],
  ])('refuses to start in production when %s is not as production needs it, naming it', async (_variable, env, message) => {
    const { child, output } = startProcess('src/main.ts', { NODE_ENV: 'production', PORT: String(5500 + (process.pid % 100)), ...env });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain(message);
  });

  it('refuses to start with a bad variable, naming it', async () => {
    const { child, output } = startProcess('src/main.ts', { PORT: 'eighty' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain('Invalid configuration: PORT must be an integer');
  });
});

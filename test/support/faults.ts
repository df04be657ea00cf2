/**
 * Fault injection for tests: a private redis-server to stop and start, and a TCP proxy in front of
 * PostgreSQL that drops, refuses or stalls connections. Nothing here ever touches the machine's
 * shared PostgreSQL or Redis: the Redis is the test's own process, and the proxy only closes the
 * sockets it forwards (PostgreSQL sees an ordinary client disconnect and rolls back).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every child a test started, killed on exit even if the test run dies before its afterAll. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Tracks a child process so it cannot outlive the test run. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves once `child` has exited (at once if it already has). */
export async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServer {
  port: number;
  url: string;
  /** Data folder (append-only file): reuse it to restart with the data, or start with a new one to lose it. */
  dir: string;
  child: ChildProcess;
}

/**
 * Starts a private redis-server on `port` (append-only persistence in `dir`, a new temporary
 * folder by default) and waits until it answers PING.
 */
export async function startRedis(port: number, dir = mkdtempSync(join(tmpdir(), 'bx-fault-redis-'))): Promise<RedisServer> {
  const child = track(
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    ),
  );
  let failed: Error | null = null;
  child.once('error', (error) => {
    failed = error;
  });
  const deadline = Date.now() + 10_000;
  while (!(await pings(port))) {
    if (failed) throw new Error(`Could not start redis-server (the fault tests need it on the PATH): ${(failed as Error).message}`);
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer`);
    await sleep(50);
  }
  return { port, url: `redis://127.0.0.1:${port}`, dir, child };
}

/** Stops a private redis-server: SIGTERM writes its data first; SIGKILL is a crash. */
export async function stopRedis(redis: RedisServer, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  redis.child.kill(signal);
  await exited(redis.child);
}

/** Removes a stopped redis-server's data folder. */
export function removeRedisData(redis: RedisServer): void {
  rmSync(redis.dir, { recursive: true, force: true });
}

async function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

interface Pair {
  client: Socket;
  server: Socket;
  swallowReplies: boolean;
  toServer: Buffer[];
  toClient: Buffer[];
}
interface Trigger {
  pattern: RegExp;
  when: 'before' | 'after';
  fired: () => void;
}

/**
 * A TCP proxy in front of PostgreSQL. Tests point a process's DATABASE_URL at `url` and then:
 * `cutAll()` drops every connection (the client sees "Connection terminated unexpectedly");
 * `refuseNew()` / `acceptNew()` stop and restart listening (new connections get ECONNREFUSED);
 * `pause()` / `resume()` hold all traffic, so requests are provably in flight;
 * `cutOn(pattern, when)` drops every connection when a client sends a message matching the
 * pattern, either before it reaches PostgreSQL or after PostgreSQL ran it but before its reply
 * comes back (the "did my COMMIT happen?" case).
 */
export class PgProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private paused = false;
  private heldChunks = 0;
  private readonly pendingConnections: { client: Socket; connect: () => void }[] = [];
  private trigger: Trigger | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Starts listening (on a free port unless one is given). */
  async start(port = 0): Promise<this> {
    const server = createServer((client) => this.accept(client));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  /** `databaseUrl` with its host and port replaced by the proxy's. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Connections currently forwarded. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Client messages held back by `pause()` so far. */
  get held(): number {
    return this.heldChunks;
  }

  /** Drops every forwarded connection at once, in both directions. */
  cutAll(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    this.pairs.clear();
    for (const { client } of this.pendingConnections.splice(0)) client.destroy();
  }

  /** Stops accepting connections: new ones are refused by the operating system (open ones stay). */
  refuseNew(): void {
    this.server?.close();
    this.server = null;
  }

  /** Accepts connections again, on the same port. */
  async acceptNew(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  /** Holds all traffic (and new connections) until `resume()`; `held` counts what waits. */
  pause(): void {
    this.paused = true;
  }

  /** Delivers what was held and forwards normally again. */
  resume(): void {
    this.paused = false;
    this.heldChunks = 0;
    for (const pair of this.pairs) {
      for (const chunk of pair.toServer.splice(0)) this.fromClient(pair, chunk);
      for (const chunk of pair.toClient.splice(0)) this.fromServer(pair, chunk);
    }
    for (const { connect } of this.pendingConnections.splice(0)) connect();
  }

  /** One-shot: drops every connection when a client message matches `pattern`; resolves when it has. */
  cutOn(pattern: RegExp, when: 'before' | 'after'): Promise<void> {
    return new Promise((resolve) => {
      this.trigger = { pattern, when, fired: resolve };
    });
  }

  close(): void {
    this.refuseNew();
    this.trigger = null;
    this.paused = false;
    this.cutAll();
  }

  private accept(client: Socket): void {
    client.on('error', () => {});
    client.pause();
    const connect = () => {
      if (client.destroyed) return;
      const server = createConnection(this.target);
      const pair: Pair = { client, server, swallowReplies: false, toServer: [], toClient: [] };
      this.pairs.add(pair);
      server.on('error', () => client.destroy());
      client.on('close', () => {
        server.destroy();
        this.pairs.delete(pair);
      });
      server.on('close', () => {
        client.destroy();
        this.pairs.delete(pair);
      });
      client.on('data', (chunk: Buffer) => this.fromClient(pair, chunk));
      server.on('data', (chunk: Buffer) => this.fromServer(pair, chunk));
      client.resume();
    };
    if (this.paused) {
      this.heldChunks++;
      this.pendingConnections.push({ client, connect });
    } else {
      connect();
    }
  }

  private fromServer(pair: Pair, chunk: Buffer): void {
    if (this.paused) {
      pair.toClient.push(chunk);
      return;
    }
    if (pair.swallowReplies) {
      this.cutAll();
      return;
    }
    pair.client.write(chunk);
  }

  private fromClient(pair: Pair, chunk: Buffer): void {
    if (this.paused) {
      pair.toServer.push(chunk);
      this.heldChunks++;
      return;
    }
    const trigger = this.trigger;
    if (trigger && trigger.pattern.test(chunk.toString('latin1'))) {
      this.trigger = null;
      if (trigger.when === 'before') {
        this.cutAll();
      } else {
        // Let PostgreSQL run it; its reply never reaches the client.
        pair.swallowReplies = true;
        pair.server.write(chunk);
      }
      trigger.fired();
      return;
    }
    pair.server.write(chunk);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

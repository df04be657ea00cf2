import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type { PGlite, Results } from '@electric-sql/pglite';
import pg from 'pg';
import { createPostgreSqlTypeParsers } from '@mikro-orm/sql';
import postgresArray from 'postgres-array';

/**
 * A `pg.Pool` look-alike over one in-process PGlite database, for everything that expects
 * node-postgres: MikroORM (through Kysely's PostgresDialect), the hot-path prepared statements and
 * BullMQ's PostgreSQL backend.
 *
 * PGlite is one connection. A transaction therefore takes the connection for its whole length:
 * the client that starts one (its statement leaves PGlite inside a transaction block) holds the
 * lock until a statement leaves it outside again (COMMIT, ROLLBACK), and every other client waits.
 * Statements outside a transaction take the lock for one statement. Two concurrent requests never
 * interleave statements inside one transaction.
 *
 * Work that a transaction does *through another client* while it holds the lock (the outbox relay
 * adds its jobs to BullMQ's tables inside its transaction) would wait for itself forever. So the
 * transaction's async context carries a token (`inTransactionScope`, used by the ORM driver around
 * `transactional`), and a statement from the same context joins the open transaction instead of
 * waiting. Such a statement may not begin or end a transaction of its own: that fails loudly.
 *
 * Results look like node-postgres's with MikroORM's type parsers (timestamps as Dates, int8 and
 * numeric as strings, json parsed, arrays parsed); parameters go through node-postgres's own
 * `prepareValue`, so both drivers see the same text.
 */

const transactionScope = new AsyncLocalStorage<symbol>();

/** Runs `fn` with a transaction token in its async context (see the module comment). */
export function inTransactionScope<T>(fn: () => Promise<T>): Promise<T> {
  if (transactionScope.getStore()) return fn();
  return transactionScope.run(Symbol('transaction'), fn);
}

type QueryConfig = { text: string; values?: readonly unknown[]; name?: string };
export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number;
  command: string;
  fields: { name: string; dataTypeID: number }[];
}

const TRANSACTION_CONTROL = /^\s*(begin|start\s+transaction|commit|end|rollback|abort)\b(?!\s+to\b)/i;
const LISTEN = /^\s*(un)?listen\s+("([^"]+)"|[A-Za-z_][A-Za-z0-9_$]*|\*)\s*;?\s*$/i;
const { prepareValue } = (pg as unknown as { utils: { prepareValue: (v: unknown) => unknown } }).utils;

/** MikroORM's parsers on top of node-postgres's defaults, for every type the database knows. */
async function pgParsers(db: PGlite): Promise<Record<number, (text: string) => unknown>> {
  const overrides = createPostgreSqlTypeParsers((s) => postgresArray.parse(s));
  const { rows } = await db.query<{ oid: number }>(`select oid::int as oid from pg_type where typtype in ('b', 'r', 'm', 'p') or typcategory = 'A'`);
  const parsers: Record<number, (text: string) => unknown> = {};
  for (const { oid } of rows) {
    const parse = (overrides[oid] as ((s: string) => unknown) | undefined) ?? (pg.types.getTypeParser(oid, 'text') as (s: string) => unknown);
    parsers[oid] = (text) => parse(text);
  }
  return parsers;
}

/** bytea parameters: node-postgres's Buffers, and strings already in PostgreSQL's hex form. */
const SERIALIZERS = {
  17: (x: unknown) => (typeof x === 'string' ? x : `\\x${Buffer.from(x as Uint8Array).toString('hex')}`),
};

function commandOf(sql: string): string {
  return (/^\s*(?:with\b[\s\S]*?\)\s*)?([a-z]+)/i.exec(sql)?.[1] ?? '').toUpperCase();
}

function toPgResult(r: Results<Record<string, unknown>>, sql: string): PgResult {
  const command = ((r as { command?: string }).command ?? commandOf(sql)).toUpperCase();
  const rowCount = command === 'SELECT' ? r.rows.length : (r.affectedRows ?? r.rows.length);
  return { rows: r.rows, rowCount, command, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) };
}

/** The one connection, its lock and who holds it. */
export class PgliteBridge {
  private holder: PgliteClient | null = null;
  private holderToken: symbol | undefined;
  private tail: Promise<void> = Promise.resolve();
  private parsers: Record<number, (text: string) => unknown> = {};

  private constructor(readonly db: PGlite) {}

  static async open(db: PGlite): Promise<PgliteBridge> {
    const bridge = new PgliteBridge(db);
    bridge.parsers = await pgParsers(db);
    return bridge;
  }

  /** Types created since (enums, domains) are strings, as node-postgres returns them. */
  pool(): PglitePool {
    return new PglitePool(this);
  }

  /** Waits for the connection; resolves with its release. */
  private acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }

  async run(client: PgliteClient, sql: string, values: readonly unknown[]): Promise<PgResult | PgResult[]> {
    if (this.holder === client) return this.execute(sql, values);
    const token = transactionScope.getStore();
    if (this.holder && token && this.holderToken === token) {
      if (TRANSACTION_CONTROL.test(sql)) throw new Error('Embedded database: a second transaction was started inside an open one on another client');
      return this.execute(sql, values);
    }
    const release = await this.acquire();
    this.holder = client;
    this.holderToken = token;
    try {
      return await this.execute(sql, values);
    } finally {
      if (!this.db.isInTransaction()) {
        this.holder = null;
        this.holderToken = undefined;
        release();
      } else {
        client.releaseLock = () => {
          this.holder = null;
          this.holderToken = undefined;
          client.releaseLock = null;
          release();
        };
      }
    }
  }

  /** After each statement of the holder: gives the lock back once its transaction has ended. */
  settle(client: PgliteClient): void {
    if (this.holder === client && !this.db.isInTransaction()) client.releaseLock?.();
  }

  private async execute(sql: string, values: readonly unknown[]): Promise<PgResult | PgResult[]> {
    const options = { parsers: this.parsers, serializers: SERIALIZERS };
    if (values.length === 0) {
      const results = (await this.db.exec(sql, options)) as Results<Record<string, unknown>>[];
      const mapped = results.map((r) => toPgResult(r, sql));
      return mapped.length === 1 ? mapped[0]! : mapped.length === 0 ? { rows: [], rowCount: 0, command: commandOf(sql), fields: [] } : mapped;
    }
    const result = await this.db.query<Record<string, unknown>>(sql, values.map((v) => prepareValue(v)) as unknown[], options);
    return toPgResult(result, sql);
  }

  async listen(client: PgliteClient, sql: string): Promise<PgResult> {
    const match = LISTEN.exec(sql)!;
    const channel = match[3] ?? match[2]!;
    const release = this.holder === client ? () => {} : await this.acquire();
    try {
      if (match[1]) await client.unlisten(channel === '*' ? null : channel);
      else await client.listen(channel);
    } finally {
      release();
    }
    return { rows: [], rowCount: 0, command: match[1] ? 'UNLISTEN' : 'LISTEN', fields: [] };
  }
}

/** One checked-out "connection": a handle on the bridge, with its LISTEN channels and the lock it may hold. */
export class PgliteClient extends EventEmitter {
  releaseLock: (() => void) | null = null;
  private readonly channels = new Map<string, () => Promise<void>>();
  readonly processID = 1;

  constructor(private readonly bridge: PgliteBridge) {
    super();
  }

  async query(textOrConfig: string | QueryConfig, values?: readonly unknown[]): Promise<PgResult> {
    const config = typeof textOrConfig === 'string' ? { text: textOrConfig, values } : textOrConfig;
    if (typeof (config as { submit?: unknown }).submit === 'function') throw new Error('Embedded database: cursors are not supported');
    if (LISTEN.test(config.text)) return this.bridge.listen(this, config.text);
    try {
      return (await this.bridge.run(this, config.text, config.values ?? [])) as PgResult;
    } finally {
      this.bridge.settle(this);
    }
  }

  async listen(channel: string): Promise<void> {
    if (this.channels.has(channel)) return;
    const stop = await this.bridge.db.listen(channel, (payload) => this.emit('notification', { channel, payload, processId: 1 }));
    this.channels.set(channel, stop);
  }

  async unlisten(channel: string | null): Promise<void> {
    for (const [name, stop] of Array.from(this.channels)) {
      if (channel !== null && name !== channel) continue;
      this.channels.delete(name);
      await stop();
    }
  }

  /** Back to the pool: a transaction left open is rolled back, so the connection is free again. */
  release(): void {
    if (this.releaseLock) {
      const free = this.releaseLock;
      void this.bridge.db
        .exec('rollback')
        .catch(() => undefined)
        .finally(free);
    }
  }

  async end(): Promise<void> {
    await this.unlisten(null);
    this.release();
  }
}

/** The pool: every `connect` is a new handle on the one connection. */
export class PglitePool extends EventEmitter {
  readonly options = { max: 1 };
  totalCount = 0;
  idleCount = 0;
  waitingCount = 0;

  constructor(private readonly bridge: PgliteBridge) {
    super();
    // Every BullMQ queue and worker on it listens for its errors.
    this.setMaxListeners(0);
  }

  async connect(): Promise<PgliteClient> {
    const client = new PgliteClient(this.bridge);
    this.emit('connect', client);
    return client;
  }

  async query(textOrConfig: string | QueryConfig, values?: readonly unknown[]): Promise<PgResult> {
    const client = await this.connect();
    try {
      return await client.query(textOrConfig, values);
    } finally {
      client.release();
    }
  }

  /** The database outlives its pools (embedded-database.ts closes it). */
  async end(): Promise<void> {}
}

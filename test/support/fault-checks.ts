/**
 * What the fault tests (test/faults*.test.ts) share: reading the database they break, checks on
 * what clients see, a spike that takes the solver a while, and "cleared exactly once".
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { systemClock } from '../../src/domain/shared/clock.js';
import { uuidv7 } from '../../src/domain/shared/ids.js';
import type { MikroORM } from '../../src/persistence/orm.js';
import { anOpenSpike, type Market } from './builders.js';
import type { GqlResponse } from './client.js';
import type { FaultApi } from './fault-stack.js';
import { sleep } from './faults.js';

/** A queue prefix of the test's own. */
export const prefix = () => `bx-fault-${randomBytes(4).toString('hex')}`;
export type Db = { orm: MikroORM } | MikroORM;
const ormOf = (db: Db) => ('orm' in db ? db.orm : db);
export const rows = async (db: Db, sql: string, params: unknown[] = []) => ormOf(db).em.getConnection().execute<Record<string, any>[]>(sql, params);
export const count = async (db: Db, sql: string, params: unknown[] = []) => Number((await rows(db, sql, params))[0]!.n);
/** Fails instead of waiting forever. */
export const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([
    p,
    sleep(ms).then(() => {
      throw new Error(`no answer within ${ms} ms`);
    }),
  ]);
/** Nothing a client sees may reveal SQL, a stack trace or a driver message. */
export const INTERNALS = /select |insert |update |delete |\bat .*\.(ts|js):\d+|stack|ECONN|terminated|ioredis|Redis|postgres/i;

/** When the internal event that asks for a spike's clearing was relayed (null: still in the outbox). */
export async function clearingRequestRelayedAt(db: Db, type: 'spike.opened' | 'spike.closed_early', spikeId: string): Promise<Date | null> {
  const [row] = await rows(db, `select published_at from domain_event where kind = 'INTERNAL' and type = ? and payload->>'spikeId' = ?`, [type, spikeId]);
  if (!row) throw new Error(`No ${type} event for spike ${spikeId}`);
  return row.published_at ? new Date(row.published_at) : null;
}

/**
 * A spike that takes the solver a second or so: 96 quarter-hour intervals and 100 bids over
 * windows of 2 to 12 hours, a 40 % share cap, minimum seats on about 30 % of bids and minimum
 * totals on about 25 % (the clearing benchmark's shape). Vendors and bids are inserted directly:
 * the bidding path is not what this test is about, and 100 API round trips would cost seconds.
 */
export async function aLargeSpike(api: FaultApi, m: Market): Promise<string> {
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const QUARTER = 15 * 60_000;
  const start = Math.ceil((Date.now() + 86_400_000) / QUARTER) * QUARTER;
  const bidCount = 100;
  const intervals = Array.from({ length: 96 }, (_, t) => ({
    startsAt: new Date(start + t * QUARTER).toISOString(),
    seats: Math.round(1.3 * bidCount * (0.35 + 0.65 * Math.sin((Math.PI * t) / 96) ** 2) * (0.9 + 0.2 * random())),
  }));
  const spikeId = await anOpenSpike(api.url, systemClock, m.brand.key, {
    intervalMinutes: 15,
    intervals,
    maxVendorShare: 0.4,
    qualityWeight: 1,
    reserveRate: { amountMinor: '3200', currency: 'USD' },
  });
  const now = new Date();
  for (let b = 0; b < bidCount; b++) {
    const vendorId = uuidv7();
    await rows(
      api,
      `insert into organization (id, name, kind, vendor_type, skills, certifications, status, created_at, updated_at)
      values (?, ?, 'VENDOR', 'OUTSOURCER', '{billing}', '{PCI_DSS}', 'ACTIVE', ?, ?) returning id`,
      [vendorId, `Fault vendor ${b}`, now, now],
    );
    const length = int(8, 48);
    const first = int(0, 96 - length);
    const seats = int(1, 12);
    const offered = Array.from({ length }, (_, k) => ({ index: first + k, seats: Math.max(1, seats + int(-1, 1)) }));
    const offeredHours = offered.reduce((sum, o) => sum + o.seats, 0) * 0.25;
    const minSeats = random() < 0.3 ? Math.min(seats, int(2, 5)) : null;
    const minTotal = random() < 0.25 ? Math.round(offeredHours * (0.25 + 0.55 * random()) * 4) / 4 : null;
    await rows(
      api,
      `insert into bid (id, spike_id, vendor_id, status, rate_minor, currency, offered, min_seats_per_interval, min_total_seat_hours,
        version, idempotency_key, payload_hash, submitted_at, created_at, updated_at)
      values (?, ?, ?, 'ACTIVE', ?, 'USD', ?::jsonb, ?, ?, 1, ?, ?, ?, ?, ?) returning id`,
      [
        uuidv7(),
        spikeId,
        vendorId,
        int(1800, 3200),
        JSON.stringify(offered),
        minSeats,
        minTotal,
        `large-${b}`,
        '0'.repeat(64),
        new Date(now.getTime() - int(0, 3600) * 1000),
        now,
        now,
      ],
    );
  }
  return spikeId;
}

/** A refusal a client can branch on (and retry), with nothing of the driver in it. */
export function expectUnavailable(res: GqlResponse, status: number): void {
  expect(res.status).toBe(status);
  expect(res.errors).toEqual([expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE' } })]);
  expect(JSON.stringify(res)).not.toMatch(INTERNALS);
}

export function expectClean(res: GqlResponse): void {
  for (const e of res.errors ?? []) {
    expect(e.extensions?.code).toMatch(/^[A-Z_]+$/);
    expect(e.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(e.message).not.toMatch(INTERNALS);
  }
}

export async function spikeRow(db: Db, id: string) {
  return (await rows(db, `select status, bidding_closes_at::text from demand_spike where id = ?`, [id]))[0]!;
}

/** Each spike AWARDED with one result and one audit record; bids exactly the acknowledged ones; no duplicate awards or contracts. */
export async function expectClearedOnce(db: Db, spikeIds: string[], acknowledged: string[]): Promise<void> {
  for (const id of spikeIds) {
    expect((await spikeRow(db, id)).status).toBe('AWARDED');
    expect(await count(db, 'select count(*)::int as n from clearing_result where spike_id = ?', [id])).toBe(1);
    expect(await count(db, 'select count(*)::int as n from audit_record where spike_id = ?', [id])).toBe(1);
  }
  const bids = (await rows(db, 'select id from bid where spike_id = any(?::uuid[])', [`{${spikeIds.join(',')}}`])).map((r) => r.id as string);
  expect(bids.sort()).toEqual([...acknowledged].sort());
  expect(await count(db, 'select count(*)::int as n from bid_outcome where spike_id = any(?::uuid[])', [`{${spikeIds.join(',')}}`])).toBe(acknowledged.length);
  expect(await count(db, `select count(*)::int as n from (select 1 from award group by bid_id, interval_index having count(*) > 1) x`)).toBe(0);
  expect(await count(db, `select count(*)::int as n from (select 1 from contract group by spike_id, vendor_id having count(*) > 1) x`)).toBe(0);
  expect(await count(db, `select count(*)::int as n from award a where not exists (select 1 from contract c where c.bid_id = a.bid_id)`)).toBe(0);
}

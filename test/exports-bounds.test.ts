import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COST, STATEMENT_ROWS_PER_COST } from '../src/http/exports.js';
import { MAX_STATEMENT_ENTRIES } from '../src/domain/settlement/statement-queries.js';
import { aMarket, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aDeliveredContract, fullInterval, reportDelivery } from './support/settlement-fixtures.js';

/**
 * A whole statement (GET /exports/statement.csv, the deprecated `csv` field) is built in memory:
 * review of issue 16 found one download of a busy account over a long period cost a flat 100
 * points however many postings it held. Now it pays per 1,000 entries, holds at most
 * MAX_STATEMENT_ENTRIES (over that: 400 BAD_USER_INPUT on `to`, for a shorter period), and no
 * download answer, refusals included, may be kept by a shared cache.
 */
let h: Harness;
let m: Market;
let base: string;
let vendorAccount: string;
const FROM = '2000-01-01T00:00:00Z';
const TO = '2100-01-01T00:00:00Z';

beforeAll(async () => {
  // Refills under 0.4 points a second: two answers apart show what one download took.
  h = await startHarness({ rateLimit: { points: 1_000_000, windowMs: 30 * 86_400_000 } });
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  base = h.url.replace(/\/graphql$/, '');
  const contractId = await aDeliveredContract(h, m);
  ok(
    await reportDelivery(
      h,
      contractId,
      m.vendorA.key,
      [0, 1, 2, 3].map((i) => fullInterval(i)),
    ),
  );
  ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey));
  const conn = h.orm.em.getConnection();
  const [vendor] = await conn.execute<{ id: string }[]>(`select id from ledger_account where organization_id = ? limit 1`, [m.vendorA.id]);
  const [brand] = await conn.execute<{ id: string }[]>(`select id from ledger_account where organization_id = ? limit 1`, [m.brand.id]);
  vendorAccount = vendor!.id;
  // A busy account: MAX_STATEMENT_ENTRIES balanced adjustments in 2001 (the settlement's own postings are at the test clock's time).
  await conn.execute(
    `with t as (
       insert into ledger_transaction (id, kind, idempotency_key, currency, description, posted_at)
       select gen_random_uuid(), 'ADJUSTMENT', 'bulk-' || g, 'USD', 'bulk', '2001-01-01'::timestamptz + g * interval '1 second'
         from generate_series(1, ?) g returning id, posted_at)
     insert into ledger_entry (id, transaction_id, account_id, amount_minor, posted_at)
     select gen_random_uuid(), t.id, a.account, a.amount, t.posted_at from t cross join (values (?::uuid, 1), (?::uuid, -1)) a(account, amount)`,
    [MAX_STATEMENT_ENTRIES, vendorAccount, brand!.id],
  );
}, 240_000);
afterAll(async () => {
  await h?.close();
});

const statementUrl = (from: string, to: string) => `${base}/exports/statement.csv?accountId=${vendorAccount}&from=${from}&to=${to}`;
const download = (url: string, key?: string) => fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('statement downloads are bounded and priced by their length', () => {
  it('a period over the bound is 400 BAD_USER_INPUT on `to`, on the download and on the deprecated csv field, and changes nothing', async () => {
    const before = await rowCounts(h.orm);
    const res = await download(statementUrl(FROM, TO), m.vendorA.financeKey);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: unknown[] }).errors[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'to' },
      message: expect.stringContaining('shorter period'),
    });
    const viaField = await gql(
      h.url,
      `query($id: UUID!, $from: DateTimeISO!, $to: DateTimeISO!) { accountStatement(accountId: $id, from: $from, to: $to) { csv } }`,
      { id: vendorAccount, from: FROM, to: TO },
      m.vendorA.financeKey,
    );
    expect(errorCode(viaField)).toBe('BAD_USER_INPUT');
    expect(viaField.errors![0]!.extensions!.field).toBe('to');
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('a shorter period downloads, and pays EXPORT_COST per started 1,000 entries', async () => {
    // 2001-01-01T00:00:01 .. 00:41:40: the first 2,500 adjustments.
    const from = '2001-01-01T00:00:00Z';
    const to = '2001-01-01T00:41:41Z';
    const first = await download(statementUrl(from, to), m.vendorA.financeKey);
    expect(first.status).toBe(200);
    const lines = (await first.text()).trim().split('\r\n');
    expect(lines).toHaveLength(1 + 2500 + 2); // header, entries, OPENING and CLOSING
    const second = await download(statementUrl(from, to), m.vendorA.financeKey);
    await second.text();
    const spent = Number(first.headers.get('x-ratelimit-remaining')) - Number(second.headers.get('x-ratelimit-remaining'));
    const price = EXPORT_COST * Math.ceil(2500 / STATEMENT_ROWS_PER_COST);
    expect(spent).toBeGreaterThan(price - 5);
    expect(spent).toBeLessThanOrEqual(price);
  });

  it('refusals carry Cache-Control: private, no-store too', async () => {
    for (const [url, key, status] of [
      [statementUrl(FROM, TO), undefined, 401],
      [`${base}/exports/invoices/0193a0c4-0000-7000-8000-000000000000.csv`, m.brand.financeKey, 404],
      [`${base}/exports/routing-plan/not-a-uuid.csv`, m.brand.key, 400],
    ] as const) {
      const res = await download(url, key);
      await res.text();
      expect(res.status).toBe(status);
      expect(res.headers.get('cache-control'), url).toBe('private, no-store');
    }
  });
});

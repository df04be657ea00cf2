import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountId, postTransaction } from '../src/domain/settlement/ledger.js';
import { aMarket, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';

/**
 * A statement's entries are a connection (issue 16): pages walked with their cursors give every
 * posting of the period once, in (posted at, entry) order, each with the right running balance,
 * equal to the single large page and to the CSV download of the same period.
 */
let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

const PAGE = `query($id: UUID!, $from: DateTimeISO!, $to: DateTimeISO!, $first: Int!, $after: String) {
  accountStatement(accountId: $id, from: $from, to: $to) {
    opening { amountMinor } closing { amountMinor }
    entries(first: $first, after: $after) {
      nodes { entryId transactionId kind postedAt amount { amountMinor } balance { amountMinor } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

const FROM = '2026-11-01T00:00:00.000Z';
const TO = '2026-12-01T00:00:00.000Z';

/** Payments debiting vendor A's EUR account: one before the period, seven in it (three at the same instant), one at its end. */
async function aBusyAccount(): Promise<string> {
  return h.orm.em.fork().transactional(async (em) => {
    const now = h.clock.now();
    const account = await accountId(em as never, m.vendorA.id, 'EUR', 'ORGANIZATION', now);
    const cash = await accountId(em as never, m.brand.id, 'EUR', 'OPERATOR_CASH', now);
    const times = ['2026-10-31T23:00:00Z', ...['02', '03', '05', '05', '05', '20', '30'].map((d) => `2026-11-${d}T12:00:00Z`), TO];
    for (const [n, at] of times.entries())
      await postTransaction(
        em as never,
        {
          kind: 'PAYMENT',
          idempotencyKey: `list-pages:${n}`,
          currency: 'EUR',
          invoiceId: null,
          settlementId: null,
          description: `Payment ${n}`,
          postedAt: new Date(at),
        },
        [
          { accountId: account, amountMinor: BigInt(100 * (n + 1)) },
          { accountId: cash, amountMinor: -BigInt(100 * (n + 1)) },
        ],
      );
    return account;
  });
}

describe('statement entries, a page at a time', () => {
  it('walks every posting once in order, with running balances equal to one large page and to the CSV download', async () => {
    const id = await aBusyAccount();
    const key = m.vendorA.financeKey;
    const whole = ok(await gql(h.url, PAGE, { id, from: FROM, to: TO, first: 100 }, key)).accountStatement;
    expect(whole.opening.amountMinor).toBe('100');
    expect(whole.entries.nodes.map((e: any) => e.amount.amountMinor)).toEqual(['200', '300', '400', '500', '600', '700', '800']);
    expect(whole.entries.nodes.map((e: any) => e.balance.amountMinor)).toEqual(['300', '600', '1000', '1500', '2100', '2800', '3600']);
    expect(whole.closing.amountMinor).toBe('3600');
    expect(whole.entries.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    const walked: any[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: any = ok(await gql(h.url, PAGE, { id, from: FROM, to: TO, first: 2, after }, key)).accountStatement.entries;
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(page.nodes.length).toBeLessThanOrEqual(2);
      walked.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    // Three postings share an instant and a page boundary falls between them: none is lost or repeated.
    expect(walked).toEqual(whole.entries.nodes);

    const res = await fetch(`${h.url.replace(/\/graphql$/, '')}/exports/statement.csv?accountId=${id}&from=${FROM}&to=${TO}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const lines = (await res.text()).trim().split('\r\n').slice(1);
    expect(lines.map((l) => l.split(',')[7])).toEqual(['', ...walked.map((e) => e.transactionId), '']);
    expect(lines.map((l) => l.split(',').at(-2))).toEqual(['1.00', ...walked.map((e) => (Number(e.balance.amountMinor) / 100).toFixed(2)), '36.00']);
  });

  it('refuses a malformed cursor and an oversized page, and shows another organisation nothing', async () => {
    const id = await aBusyAccount();
    const vars = { id, from: FROM, to: TO, first: 2 };
    expect(errorCode(await gql(h.url, PAGE, { ...vars, after: 'not-a-cursor' }, m.vendorA.financeKey))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(h.url, PAGE, { ...vars, first: 101 }, m.vendorA.financeKey))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(h.url, PAGE, vars, m.vendorB.financeKey))).toBe('NOT_FOUND');
  });
});

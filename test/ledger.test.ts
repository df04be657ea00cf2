import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountId, postTransaction, UnbalancedPostingError } from '../src/domain/settlement/ledger.js';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aDeliveredContract, fullInterval, reportDelivery } from './support/settlement-fixtures.js';

/**
 * The ledger in PostgreSQL: accounts, the database's own guards (balance at commit, append-only),
 * and the manual-posting side of the one ledger writer (settlement's side:
 * src/domain/settlement/settlement-statement.spec.ts).
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

const aContract = (overrides: Record<string, unknown> = {}) => aDeliveredContract(h, m, overrides);
const report = (contractId: string, key: string, reports: Record<string, unknown>[]) => reportDelivery(h, contractId, key, reports);
const full = fullInterval;
const ledgerRows = async () =>
  (await h.orm.em.fork().execute<{ n: number }[]>('select (select count(*) from ledger_transaction) + (select count(*) from ledger_entry) as n'))[0]!.n;

describe('the ledger in the database', () => {
  it('does not remember an account created by a transaction that rolled back', async () => {
    const create = (em: never) => accountId(em, m.vendorC.id, 'EUR', 'ORGANIZATION', h.clock.now());
    // Asked twice in the same transaction, as a batch of settlements does: the second call finds
    // the row this transaction created, which must not be remembered either.
    await expect(
      h.orm.em.fork().transactional(async (em) => {
        await create(em as never);
        await create(em as never);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const id = await h.orm.em.fork().transactional((em) => create(em as never));
    const again = await h.orm.em.fork().transactional((em) => create(em as never));
    expect(again).toBe(id);
    expect((await h.orm.em.getConnection().execute('select count(*)::int as n from ledger_account where id = ?', [id]))[0]!.n).toBe(1);
  });

  it('refuses an unbalanced transaction at commit, and any update or delete of posted entries', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(0)]));
    ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey));
    const conn = h.orm.em.getConnection();
    const account = (await conn.execute('select id from ledger_account limit 1'))[0]!;
    await expect(
      h.orm.em.fork().transactional(async (em) => {
        await em.execute(
          `insert into ledger_transaction (id, kind, idempotency_key, currency, description, posted_at) values ('00000000-0000-7000-8000-000000000001', 'PAYMENT', 'bad', 'USD', 'unbalanced', now())`,
        );
        await em.execute(
          `insert into ledger_entry (id, transaction_id, account_id, amount_minor, posted_at) values ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', ?, 5, now())`,
          [account.id],
        );
      }),
    ).rejects.toThrow(/does not balance/);
    await expect(conn.execute('update ledger_entry set amount_minor = amount_minor + 1')).rejects.toThrow(/append-only/);
    await expect(conn.execute('delete from ledger_transaction')).rejects.toThrow(/append-only/);
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation.balanced).toBe(true);
  });
});

describe('a manual posting', () => {
  it('that does not balance is refused before anything is written, and the transaction rolls back', async () => {
    const before = await ledgerRows();
    const posting = h.orm.em.fork().transactional((tem) =>
      postTransaction(
        tem,
        {
          kind: 'PAYMENT',
          idempotencyKey: `payment:test:${Date.now()}`,
          currency: 'EUR',
          invoiceId: null,
          settlementId: null,
          description: 'An unbalanced payment',
          postedAt: new Date(),
        },
        [
          { accountId: '00000000-0000-7000-8000-000000000001', amountMinor: 1_000n },
          { accountId: '00000000-0000-7000-8000-000000000002', amountMinor: -999n },
        ],
      ),
    );
    await expect(posting).rejects.toBeInstanceOf(UnbalancedPostingError);
    expect(await ledgerRows()).toBe(before);
  });
});

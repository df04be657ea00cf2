import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postTransaction, UnbalancedPostingError } from '../src/domain/settlement/ledger.js';
import { createOrm, type MikroORM } from '../src/persistence/orm.js';
import { TEST_DATABASE_URL } from './support/env.js';

/** The manual-posting side of the one ledger writer (settlement's side: settlement-statement.spec.ts). */
let orm: MikroORM;

beforeAll(async () => {
  orm = await createOrm(TEST_DATABASE_URL, 2);
});

afterAll(async () => {
  await orm.close();
});

const ledgerRows = async () =>
  (await orm.em.fork().execute<{ n: number }[]>('select (select count(*) from ledger_transaction) + (select count(*) from ledger_entry) as n'))[0]!.n;

describe('a manual posting', () => {
  it('that does not balance is refused before anything is written, and the transaction rolls back', async () => {
    const before = await ledgerRows();
    const posting = orm.em.fork().transactional((tem) =>
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

import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../shared/ids.js';

export type AccountKind = 'ORGANIZATION' | 'OPERATOR_FEES' | 'OPERATOR_CASH';

/** The operator organisation, which holds the fee and cash accounts. */
export async function operatorOrganizationId(em: EntityManager): Promise<string> {
  const [row] = await em.execute<{ id: string }[]>(`select id from organization where kind = 'OPERATOR' order by id limit 1`);
  if (!row) throw new Error('No operator organisation: run npm run bootstrap:operator');
  return row.id;
}

// Committed accounts are never deleted and organisation ids are never reused, so the id of an
// account that was already committed stays valid for the life of the process.
const committedAccounts = new Map<string, string>();

const selectAccount = 'select id from ledger_account where organization_id = ? and currency = ? and kind = ?';

/**
 * The account of (organisation, currency, kind), created on first use in the caller's
 * transaction. Only ids found already committed are cached: an id created by this transaction
 * would point nowhere if the transaction rolled back.
 */
export async function accountId(em: EntityManager, organizationId: string, currency: string, kind: AccountKind, now: Date): Promise<string> {
  const cacheKey = `${organizationId}|${currency}|${kind}`;
  const known = committedAccounts.get(cacheKey);
  if (known) return known;
  const [existing] = await em.execute<{ id: string }[]>(selectAccount, [organizationId, currency, kind]);
  if (existing) {
    committedAccounts.set(cacheKey, existing.id);
    return existing.id;
  }
  await em.execute(
    `insert into ledger_account (id, organization_id, currency, kind, created_at) values (?, ?, ?, ?, ?) on conflict do nothing`,
    [uuidv7(), organizationId, currency, kind, now],
  );
  const [row] = await em.execute<{ id: string }[]>(selectAccount, [organizationId, currency, kind]);
  return row!.id;
}

export interface Posting {
  accountId: string;
  /** Positive = debit, negative = credit. */
  amountMinor: bigint;
}

/**
 * Posts one balanced transaction, in the caller's database transaction. Zero postings are
 * dropped; the database refuses the commit if the rest do not sum to zero, and refuses a second
 * transaction with the same idempotency key.
 */
export async function postTransaction(
  em: EntityManager,
  tx: { kind: 'SETTLEMENT' | 'ADJUSTMENT' | 'PAYMENT'; idempotencyKey: string; currency: string; invoiceId: string | null; settlementId: string | null; description: string; postedAt: Date },
  postings: Posting[],
): Promise<string | null> {
  const nonZero = postings.filter((p) => p.amountMinor !== 0n);
  if (nonZero.length === 0) return null;
  const id = uuidv7();
  await em.execute(
    `insert into ledger_transaction (id, kind, idempotency_key, currency, invoice_id, settlement_id, description, posted_at) values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [id, tx.kind, tx.idempotencyKey, tx.currency, tx.invoiceId, tx.settlementId, tx.description, tx.postedAt],
  );
  await em.execute(
    `insert into ledger_entry (id, transaction_id, account_id, amount_minor, posted_at) values ${nonZero.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    nonZero.flatMap((p) => [uuidv7(), id, p.accountId, p.amountMinor.toString(), tx.postedAt]),
  );
  return id;
}

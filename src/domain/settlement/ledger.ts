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

export interface AccountKey {
  organizationId: string;
  currency: string;
  kind: AccountKind;
}

const keyOf = (k: AccountKey) => `${k.organizationId}|${k.currency}|${k.kind}`;

/**
 * The accounts of the given (organisation, currency, kind) keys, created on first use in the
 * caller's transaction; the result maps `organizationId|currency|kind` to the account id.
 * Missing accounts are inserted in one statement in key order, so concurrent transactions
 * needing overlapping accounts wait for each other instead of deadlocking. Only ids committed
 * by an earlier transaction are cached: an id this transaction created (xmin is ours) would
 * point nowhere if it rolled back.
 */
export async function accountIds(em: EntityManager, keys: readonly AccountKey[], now: Date): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const missing = new Map<string, AccountKey>();
  for (const k of keys) {
    const known = committedAccounts.get(keyOf(k));
    if (known) out.set(keyOf(k), known);
    else missing.set(keyOf(k), k);
  }
  if (missing.size === 0) return out;
  const wanted = [...missing.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
  const json = JSON.stringify(wanted.map((k) => ({ id: uuidv7(), organization_id: k.organizationId, currency: k.currency, kind: k.kind })));
  await em.execute(
    `insert into ledger_account (id, organization_id, currency, kind, created_at)
     select x.id, x.organization_id, x.currency, x.kind, ? from json_to_recordset(?::json) as x(id uuid, organization_id uuid, currency text, kind text)
     order by x.organization_id, x.currency, x.kind
     on conflict do nothing`,
    [now, json],
  );
  const rows = await em.execute<{ id: string; organization_id: string; currency: string; kind: AccountKind; mine: boolean }[]>(
    `select a.id, a.organization_id, a.currency, a.kind, coalesce(a.xmin = pg_current_xact_id_if_assigned()::xid, false) as mine
       from ledger_account a join json_to_recordset(?::json) as x(organization_id uuid, currency text, kind text)
         on a.organization_id = x.organization_id and a.currency = x.currency and a.kind = x.kind`,
    [json],
  );
  for (const r of rows) {
    const key = keyOf({ organizationId: r.organization_id, currency: r.currency, kind: r.kind });
    out.set(key, r.id);
    if (!r.mine) committedAccounts.set(key, r.id);
  }
  return out;
}

/** The account of (organisation, currency, kind): `accountIds` for one key. */
export async function accountId(em: EntityManager, organizationId: string, currency: string, kind: AccountKind, now: Date): Promise<string> {
  const key = { organizationId, currency, kind };
  return (await accountIds(em, [key], now)).get(keyOf(key))!;
}

/** The map key `accountIds` uses. */
export const accountKey = keyOf;

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
  tx: {
    kind: 'SETTLEMENT' | 'ADJUSTMENT' | 'PAYMENT';
    idempotencyKey: string;
    currency: string;
    invoiceId: string | null;
    settlementId: string | null;
    description: string;
    postedAt: Date;
  },
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

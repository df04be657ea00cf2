/**
 * The ledger (PRODUCT.md 7): accounts, and the one writer of transactions. Settlement (inside its
 * one-statement write) and manual postings such as payments both post through `ledgerPosting`,
 * which refuses a transaction that does not balance before any SQL runs; the deferred trigger of
 * Migration20261125020000 checks the same at commit, and the unique idempotency key refuses a
 * second posting of the same thing. Nothing else inserts into ledger_transaction or ledger_entry.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationSchema } from '../../persistence/entities/access.js';
import type { LedgerAccountSchema, LedgerTransaction } from '../../persistence/entities/ledger.js';
import type { RowOf } from '../../persistence/rows.js';
import { uuidv7 } from '../shared/ids.js';

export type AccountKind = RowOf<typeof LedgerAccountSchema>['kind'];

/**
 * The operator organisation of `organizationId`'s world, which holds that world's fee and cash
 * accounts: the live operator for live organisations, a sandbox's operator view for the sandbox's
 * (its own ledger book; PostgreSQL refuses a transaction that spans books).
 */
export async function operatorOrganizationId(em: EntityManager, organizationId: string): Promise<string> {
  const [row] = await em.execute<Pick<RowOf<typeof OrganizationSchema>, 'id'>[]>(
    `select id from organization where kind = 'OPERATOR'
        and sandbox_id is not distinct from (select sandbox_id from organization where id = ?) order by id limit 1`,
    [organizationId],
  );
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
  const rows = await em.execute<(Pick<RowOf<typeof LedgerAccountSchema>, 'id' | 'organization_id' | 'currency' | 'kind'> & { mine: boolean })[]>(
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

/** What a ledger transaction records besides its postings. */
export type LedgerTransactionInput = Pick<
  LedgerTransaction,
  'kind' | 'idempotencyKey' | 'currency' | 'invoiceId' | 'settlementId' | 'description' | 'postedAt'
>;

/** A posting that does not sum to zero, or has a single side: a bug in the caller, never written. */
export class UnbalancedPostingError extends Error {
  override readonly name = 'UnbalancedPostingError';
}

/** A checked transaction, ready to write: its id and the SQL of its rows. */
export interface LedgerPosting {
  transactionId: string;
  /**
   * Two common table expressions, `lt` (the transaction) and `le` (its entries), for the caller's
   * own statement: `with <its CTEs>, ${sql} <its final statement>`.
   */
  sql: string;
  params: unknown[];
}

/**
 * Checks one transaction and shapes its rows, for the caller's statement in the caller's database
 * transaction. Zero postings are dropped; with nothing left, there is nothing to post (null). A
 * transaction whose postings do not sum to zero, or that moves money on one side only, throws
 * `UnbalancedPostingError`. Entry ids are time-ordered like every id, so a statement lists the
 * entries of one instant in the order they were posted.
 */
export function ledgerPosting(tx: LedgerTransactionInput, postings: readonly Posting[]): LedgerPosting | null {
  const nonZero = postings.filter((p) => p.amountMinor !== 0n);
  if (nonZero.length === 0) return null;
  const sum = nonZero.reduce((s, p) => s + p.amountMinor, 0n);
  if (sum !== 0n || nonZero.length < 2) {
    throw new UnbalancedPostingError(`Ledger transaction ${tx.idempotencyKey} does not balance: its postings sum to ${sum}`);
  }
  const transactionId = uuidv7();
  const entries = nonZero.map((p) => ({ id: uuidv7(), account_id: p.accountId, amount_minor: p.amountMinor.toString() }));
  return {
    transactionId,
    sql: `lt as (
       insert into ledger_transaction (id, kind, idempotency_key, currency, invoice_id, settlement_id, description, posted_at)
       values (?::uuid, ?, ?, ?, ?::uuid, ?::uuid, ?, ?) returning id
     ), le as (
       insert into ledger_entry (id, transaction_id, account_id, amount_minor, posted_at)
       select e.id, lt.id, e.account_id, e.amount_minor, ? from jsonb_to_recordset(?::jsonb) as e(id uuid, account_id uuid, amount_minor bigint), lt
     )`,
    params: [
      transactionId,
      tx.kind,
      tx.idempotencyKey,
      tx.currency,
      tx.invoiceId,
      tx.settlementId,
      tx.description,
      tx.postedAt,
      tx.postedAt,
      JSON.stringify(entries),
    ],
  };
}

/**
 * Posts one balanced transaction on its own (a manual posting: a payment), in the caller's
 * database transaction: `ledgerPosting` in a statement of its own. Returns the transaction id, or
 * null when every posting was zero.
 */
export async function postTransaction(em: EntityManager, tx: LedgerTransactionInput, postings: readonly Posting[]): Promise<string | null> {
  const posting = ledgerPosting(tx, postings);
  if (!posting) return null;
  await em.execute(`with ${posting.sql} select 1`, posting.params);
  return posting.transactionId;
}

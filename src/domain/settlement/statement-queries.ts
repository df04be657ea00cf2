import type { EntityManager } from '@mikro-orm/postgresql';
import type { LedgerAccountSchema, LedgerEntrySchema, LedgerTransactionSchema } from '../../persistence/entities/ledger.js';
import type { RowOf } from '../../persistence/rows.js';
import { requireRole, type Principal } from '../access/principal.js';
import { inWorldSql, worldParam } from '../sandbox/world.js';
import { csvText } from '../shared/csv.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { AccessError } from '../shared/result.js';
import type { AccountBalance } from './finance-queries.js';

type AccountRow = Pick<RowOf<typeof LedgerAccountSchema>, 'id' | 'organization_id' | 'kind' | 'currency'>;
type EntryRow = Pick<RowOf<typeof LedgerEntrySchema>, 'id' | 'transaction_id' | 'posted_at' | 'amount_minor'> &
  Pick<RowOf<typeof LedgerTransactionSchema>, 'kind' | 'description'> & { balance: string };

export interface StatementEntry {
  entryId: string;
  transactionId: string;
  kind: string;
  description: string;
  postedAt: Date;
  amountMinor: bigint;
  balanceMinor: bigint;
}

export interface Statement {
  account: AccountBalance;
  from: Date;
  to: Date;
  openingMinor: bigint;
  closingMinor: bigint;
  entries: StatementEntry[];
}

/** A statement's account, period and balances, without its entries (`statementEntries` pages them). */
export type StatementSummary = Omit<Statement, 'entries'>;

/**
 * The head of a statement of one account over [from, to): FINANCE keys of the account's owner, or
 * the operator's of the account's world (live, or its sandbox); anyone else's account is
 * NOT_FOUND. Two sums, however many entries the period has.
 */
export async function statementSummary(em: EntityManager, actor: Principal | null, accountId: string, from: Date, to: Date): Promise<StatementSummary> {
  const p = requireRole(actor, 'FINANCE');
  const [account] = await em.execute<AccountRow[]>(
    `select id, organization_id, kind, currency from ledger_account where id = ? and ${inWorldSql('organization_id')}`,
    [accountId, worldParam(p)],
  );
  if (!account || (p.organizationKind !== 'OPERATOR' && account.organization_id !== p.organizationId))
    throw new AccessError('NOT_FOUND', `No account ${accountId}`);
  const [sums] = await em.execute<{ opening: string; closing: string }[]>(
    `select coalesce(sum(amount_minor) filter (where posted_at < ?), 0)::text as opening, coalesce(sum(amount_minor), 0)::text as closing
       from ledger_entry where account_id = ? and posted_at < ?`,
    [from, account.id, to],
  );
  const closingMinor = BigInt(sums!.closing);
  return {
    account: { accountId: account.id, organizationId: account.organization_id, kind: account.kind, currency: account.currency, balanceMinor: closingMinor },
    from,
    to,
    openingMinor: BigInt(sums!.opening),
    closingMinor,
  };
}

/**
 * Most entries one whole statement holds (the CSV download, the deprecated `csv` field): it is
 * built in memory, so without a bound one request for a busy account over a long period holds
 * every posting it ever had. A longer period is asked for in parts, or paged (`entries`).
 */
export const MAX_STATEMENT_ENTRIES = 100_000;

/** A whole statement asked for over a period with more than MAX_STATEMENT_ENTRIES entries. */
export class StatementTooLongError extends Error {
  constructor(readonly entries: number) {
    super(`The period has ${entries} entries; one statement download holds at most ${MAX_STATEMENT_ENTRIES}: ask for a shorter period, or page \`entries\``);
  }
}

/** How many entries the statement's period has: an index-only count (ledger_entry_account_posted_index). */
export async function statementEntryCount(em: EntityManager, s: Pick<StatementSummary, 'account' | 'from' | 'to'>): Promise<number> {
  const [row] = await em.execute<{ n: string }[]>(`select count(*)::text as n from ledger_entry where account_id = ? and posted_at >= ? and posted_at < ?`, [
    s.account.accountId,
    s.from,
    s.to,
  ]);
  return Number(row!.n);
}

/**
 * The whole statement, every entry of the period (the CSV download and the deprecated `csv` field): the same check as statementSummary,
 * and StatementTooLongError over MAX_STATEMENT_ENTRIES.
 */
export async function accountStatement(em: EntityManager, actor: Principal | null, accountId: string, from: Date, to: Date): Promise<Statement> {
  const summary = await statementSummary(em, actor, accountId, from, to);
  const count = await statementEntryCount(em, summary);
  if (count > MAX_STATEMENT_ENTRIES) throw new StatementTooLongError(count);
  const rows = await em.execute<Omit<EntryRow, 'balance'>[]>(
    `select e.id, e.transaction_id, t.kind, t.description, e.posted_at, e.amount_minor::text as amount_minor
       from ledger_entry e join ledger_transaction t on t.id = e.transaction_id
      where e.account_id = ? and e.posted_at >= ? and e.posted_at < ? order by e.posted_at, e.id`,
    [summary.account.accountId, from, to],
  );
  let balance = summary.openingMinor;
  const entries = rows.map((r) => {
    balance += BigInt(r.amount_minor);
    return {
      entryId: r.id,
      transactionId: r.transaction_id,
      kind: r.kind,
      description: r.description,
      postedAt: new Date(r.posted_at),
      amountMinor: BigInt(r.amount_minor),
      balanceMinor: balance,
    };
  });
  return { ...summary, entries };
}

export function statementCsv(s: Statement): string {
  const lines = ['posted_at,transaction_id,kind,description,amount_minor,balance_minor'];
  lines.push(`${s.from.toISOString()},,OPENING,Opening balance,0,${s.openingMinor}`);
  for (const e of s.entries)
    lines.push(
      [
        e.postedAt.toISOString(),
        e.transactionId,
        e.kind,
        `"${csvText(e.description).replace(/"/g, '""')}"`,
        e.amountMinor.toString(),
        e.balanceMinor.toString(),
      ].join(','),
    );
  lines.push(`${s.to.toISOString()},,CLOSING,Closing balance,0,${s.closingMinor}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A statement's entries, a page at a time in (posted_at, entry id) order, each with the running
 * balance after it. The cursor names the last entry's id; the page continues after its
 * (posted_at, id), so entries posted later with earlier times (a test clock) never shift a page.
 * The balance before the page is one sum over the account's earlier entries, an index-only scan
 * of ledger_entry_account_posted_index (Migration20261207220000), so no page sorts the account's
 * history. For a statement already allowed (statementSummary).
 */
export async function statementEntries(
  em: EntityManager,
  s: Pick<StatementSummary, 'account' | 'from' | 'to'>,
  page: PageRequest,
): Promise<Page<StatementEntry>> {
  const account = s.account.accountId;
  const rows = await em.execute<EntryRow[]>(
    `with page as (
       select e.id, e.transaction_id, e.posted_at, e.amount_minor from ledger_entry e
        where e.account_id = ? and e.posted_at >= ? and e.posted_at < ?
          and (?::uuid is null or (e.posted_at, e.id) > (select l.posted_at, l.id from ledger_entry l where l.id = ?::uuid and l.account_id = ?))
        order by e.posted_at, e.id limit ?
     ), head as (select posted_at, id from page order by posted_at, id limit 1)
     select p.id, p.transaction_id, t.kind, t.description, p.posted_at, p.amount_minor::text as amount_minor,
            ((select coalesce(sum(b.amount_minor), 0) from ledger_entry b, head
               where b.account_id = ? and b.posted_at <= head.posted_at and (b.posted_at, b.id) < (head.posted_at, head.id))
             + sum(p.amount_minor) over (order by p.posted_at, p.id))::text as balance
       from page p join ledger_transaction t on t.id = p.transaction_id
      order by p.posted_at, p.id`,
    [account, s.from, s.to, page.after, page.after, account, page.first + 1, account],
  );
  return toPage(
    rows.map((r) => ({
      entryId: r.id,
      transactionId: r.transaction_id,
      kind: r.kind,
      description: r.description,
      postedAt: new Date(r.posted_at),
      amountMinor: BigInt(r.amount_minor),
      balanceMinor: BigInt(r.balance),
    })),
    page.first,
  );
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContractSchema } from '../../persistence/entities/contracts.js';
import type { LedgerAccountSchema, LedgerEntrySchema, LedgerTransactionSchema } from '../../persistence/entities/ledger.js';
import { InvoiceLineSchema, InvoiceSchema, type Invoice, type InvoiceLine, type SettlementSchema } from '../../persistence/entities/settlement.js';
import type { RowOf } from '../../persistence/rows.js';
import { ACTUALS_SQL, CONTRACT_WITH_SPIKE_SQL, type ActualsFactsRow } from '../delivery/delivery-facts.js';
import { requireRole, type Principal } from '../access/principal.js';
import { inWorld, inWorldSql, worldParam } from '../sandbox/world.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { AccessError } from '../shared/result.js';
import { amountsFromJson, CONTRACT_TERMS_SQL, currentAmounts, type ContractTermsRow, type SettlementPolicy } from './settlement-amounts.js';
import { settlementDelta } from './settlement-math.js';

type AccountRow = Pick<RowOf<typeof LedgerAccountSchema>, 'id' | 'organization_id' | 'kind' | 'currency'>;
type EntryRow = RowOf<typeof LedgerEntrySchema>;
type TransactionRow = RowOf<typeof LedgerTransactionSchema>;

/** Finance reads its own organisation's settlement data; the operator's finance reads everything. */
function financeOf(actor: Principal | null): Principal {
  return requireRole(actor, 'FINANCE');
}
const seesAll = (p: Principal) => p.organizationKind === 'OPERATOR';

function invoiceScope(p: Principal): Record<string, string> {
  // The operator sees every invoice of its own world: live, or its sandbox (never across).
  if (seesAll(p)) return inWorld('brand_id', p);
  return p.organizationKind === 'BRAND' ? { brandId: p.organizationId } : { vendorId: p.organizationId };
}

export interface InvoiceFilter {
  issuedFrom?: Date | null;
  issuedTo?: Date | null;
  brandId?: string | null;
  vendorId?: string | null;
  /** Only this contract's invoice and notes. */
  contractId?: string | null;
  status?: Invoice['status'] | null;
}

export async function listInvoices(em: EntityManager, actor: Principal | null, filter: InvoiceFilter, page: PageRequest): Promise<Page<Invoice>> {
  const p = financeOf(actor);
  const issuedAt: Record<string, Date> = {};
  if (filter.issuedFrom) issuedAt.$gte = filter.issuedFrom;
  if (filter.issuedTo) issuedAt.$lt = filter.issuedTo;
  const rows = await em.find(
    InvoiceSchema,
    {
      ...(filter.brandId ? { brandId: filter.brandId } : {}),
      ...(filter.vendorId ? { vendorId: filter.vendorId } : {}),
      ...(filter.contractId ? { contractId: filter.contractId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(Object.keys(issuedAt).length ? { issuedAt } : {}),
      ...(page.after ? { id: { $gt: page.after } } : {}),
      ...invoiceScope(p),
    },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}

export async function getInvoice(em: EntityManager, actor: Principal | null, id: string): Promise<{ invoice: Invoice; lines: InvoiceLine[] }> {
  const p = financeOf(actor);
  const invoice = await em.findOne(InvoiceSchema, { id, ...invoiceScope(p) });
  if (!invoice) throw new AccessError('NOT_FOUND', `No invoice ${id}`);
  return { invoice, lines: await em.find(InvoiceLineSchema, { invoiceId: id }, { orderBy: { position: 'asc' } }) };
}

export interface AccountBalance {
  accountId: string;
  organizationId: string;
  kind: string;
  currency: string;
  balanceMinor: bigint;
}

/** A page of ledger accounts with their balances as of `asOf`, in account order (keyset on the account id). */
export async function ledgerBalances(
  em: EntityManager,
  actor: Principal | null,
  asOf: Date,
  currency: string | null,
  page: PageRequest,
): Promise<Page<AccountBalance>> {
  const p = financeOf(actor);
  const owner = seesAll(p) ? null : p.organizationId;
  const rows = await em.execute<(AccountRow & { balance: string })[]>(
    `select a.id, a.organization_id, a.kind, a.currency, coalesce(sum(e.amount_minor) filter (where e.posted_at <= ?), 0)::text as balance
       from ledger_account a left join ledger_entry e on e.account_id = a.id
      where (?::uuid is null or a.organization_id = ?::uuid) and (?::text is null or a.currency = ?::text) and (?::uuid is null or a.id > ?::uuid)
        and ${inWorldSql('a.organization_id')}
      group by a.id order by a.id limit ?`,
    [asOf, owner, owner, currency, currency, page.after, page.after, worldParam(p), page.first + 1],
  );
  const balances = rows.map((r) => ({
    accountId: r.id,
    organizationId: r.organization_id,
    kind: r.kind,
    currency: r.currency,
    balanceMinor: BigInt(r.balance),
  }));
  return toPage(balances, page.first);
}

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

/** Statement of one account over [from, to): opening balance, entries with running balance, closing balance. */
export async function accountStatement(em: EntityManager, actor: Principal | null, accountIdValue: string, from: Date, to: Date): Promise<Statement> {
  const p = financeOf(actor);
  const [account] = await em.execute<AccountRow[]>(
    `select id, organization_id, kind, currency from ledger_account where id = ? and ${inWorldSql('organization_id')}`,
    [accountIdValue, worldParam(p)],
  );
  if (!account || (!seesAll(p) && account.organization_id !== p.organizationId)) throw new AccessError('NOT_FOUND', `No account ${accountIdValue}`);
  const [opening] = await em.execute<{ s: string }[]>(
    'select coalesce(sum(amount_minor), 0)::text as s from ledger_entry where account_id = ? and posted_at < ?',
    [account.id, from],
  );
  const rows = await em.execute<(Pick<EntryRow, 'id' | 'transaction_id' | 'posted_at' | 'amount_minor'> & Pick<TransactionRow, 'kind' | 'description'>)[]>(
    `select e.id, e.transaction_id, t.kind, t.description, e.posted_at, e.amount_minor::text as amount_minor
       from ledger_entry e join ledger_transaction t on t.id = e.transaction_id
      where e.account_id = ? and e.posted_at >= ? and e.posted_at < ? order by e.posted_at, e.id`,
    [account.id, from, to],
  );
  let balance = BigInt(opening!.s);
  const openingMinor = balance;
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
  return {
    account: { accountId: account.id, organizationId: account.organization_id, kind: account.kind, currency: account.currency, balanceMinor: balance },
    from,
    to,
    openingMinor,
    closingMinor: balance,
    entries,
  };
}

export function statementCsv(s: Statement): string {
  const lines = ['posted_at,transaction_id,kind,description,amount_minor,balance_minor'];
  lines.push(`${s.from.toISOString()},,OPENING,Opening balance,0,${s.openingMinor}`);
  for (const e of s.entries)
    lines.push(
      [e.postedAt.toISOString(), e.transactionId, e.kind, `"${e.description.replace(/"/g, '""')}"`, e.amountMinor.toString(), e.balanceMinor.toString()].join(
        ',',
      ),
    );
  lines.push(`${s.to.toISOString()},,CLOSING,Closing balance,0,${s.closingMinor}`);
  return `${lines.join('\n')}\n`;
}

export interface Accrual {
  contractId: string;
  brandId: string;
  vendorId: string;
  currency: string;
  /** Delivered but not yet settled: the net the brand will owe for actuals reported so far. */
  unsettledNetMinor: bigint;
}

/**
 * Delivered-but-unsettled value per contract: every contract not yet settled, and settled ones
 * with late actuals, zero included (PRODUCT.md 7): a contract with nothing delivered yet is
 * listed with 0, so the list is the complete set of open contracts, not only those with value.
 * All of them, a page at a time in contract order (keyset on the contract id; until 2026-11-25 the
 * list stopped silently at 1,000 contracts, until 2026-12-07 it left out zeros, and until issue 16
 * it was one unpaginated list).
 */
export async function accruals(em: EntityManager, actor: Principal | null, policy: SettlementPolicy, page: PageRequest): Promise<Page<Accrual>> {
  const p = financeOf(actor);
  const scope = seesAll(p) ? {} : p.organizationKind === 'BRAND' ? { brandId: p.organizationId } : { vendorId: p.organizationId };
  // The operator's page covers its own world only.
  const scopeSql = 'brandId' in scope ? 'and c.brand_id = ?' : 'vendorId' in scope ? 'and c.vendor_id = ?' : `and ${inWorldSql('c.brand_id')}`;
  // One query for the page's contracts with their reports and last settlement (no query per contract).
  const after = page.after;
  {
    const rows = await em.execute<
      (Pick<RowOf<typeof ContractSchema>, 'id' | 'brand_id' | 'vendor_id'> &
        ContractTermsRow &
        ActualsFactsRow & { last_amounts: RowOf<typeof SettlementSchema>['amounts'] | null })[]
    >(
      `select c.id, c.brand_id, c.vendor_id, ${CONTRACT_TERMS_SQL}, ${ACTUALS_SQL},
              (select amounts from settlement where contract_id = c.id order by sequence desc limit 1) as last_amounts
         from ${CONTRACT_WITH_SPIKE_SQL}
        where (c.status in ('ACTIVE', 'DELIVERED') or c.needs_settlement) ${scopeSql} ${after ? 'and c.id > ?' : ''}
        order by c.id limit ?`,
      [seesAll(p) ? worldParam(p) : p.organizationId, ...(after ? [after] : []), page.first + 1],
    );
    const out = rows.map((c): Accrual => {
      const current = currentAmounts(c, policy);
      const net = c.last_amounts ? settlementDelta(amountsFromJson(c.last_amounts), current).netDeltaMinor : current.netMinor;
      return { contractId: c.id, brandId: c.brand_id, vendorId: c.vendor_id, currency: c.currency, unsettledNetMinor: net };
    });
    return toPage(out, page.first);
  }
}

export interface Reconciliation {
  balanced: boolean;
  currencies: { currency: string; sumMinor: bigint }[];
  discrepancies: string[];
}

/**
 * Checks the books (the operator's finance or operator keys): the ledger sums to zero per
 * currency, every transaction balances, and every invoice equals its postings (brand debit =
 * net, vendor credit = payout, fee credit = fee) and its payments.
 */
export async function reconciliation(em: EntityManager, actor: Principal | null): Promise<Reconciliation> {
  const p = requireRole(actor, 'FINANCE', 'OPERATOR');
  if (!seesAll(p)) throw new AccessError('FORBIDDEN', 'Reconciliation covers every organisation: the operator’s keys only');
  // One book: the live operator reconciles the live ledger; a sandbox's operator view its sandbox's.
  const world = worldParam(p);
  const currencies = (
    await em.execute<(Pick<AccountRow, 'currency'> & { s: string })[]>(
      `select a.currency, coalesce(sum(e.amount_minor), 0)::text as s from ledger_entry e join ledger_account a on a.id = e.account_id
        where ${inWorldSql('a.organization_id')} group by a.currency order by a.currency`,
      [world],
    )
  ).map((r) => ({ currency: r.currency, sumMinor: BigInt(r.s) }));
  const discrepancies: string[] = currencies.filter((c) => c.sumMinor !== 0n).map((c) => `Ledger does not sum to zero in ${c.currency}: ${c.sumMinor}`);
  const unbalanced = await em.execute<{ id: string; s: string }[]>(
    `select e.transaction_id as id, sum(e.amount_minor)::text as s from ledger_entry e join ledger_account a on a.id = e.account_id
      where ${inWorldSql('a.organization_id')} group by e.transaction_id having sum(e.amount_minor) <> 0`,
    [world],
  );
  for (const u of unbalanced) discrepancies.push(`Transaction ${u.id} sums to ${u.s}`);
  const invoices = await em.execute<
    {
      id: string;
      number: string;
      vendor_id: string;
      net: string;
      fee: string;
      paid: string;
      brand: string | null;
      vendor: string | null;
      fees: string | null;
      payments: string | null;
    }[]
  >(
    `select i.id, i.number::text as number, i.vendor_id, i.net_minor::text as net, i.fee_minor::text as fee, i.paid_minor::text as paid,
            (select sum(e.amount_minor) from ledger_transaction t join ledger_entry e on e.transaction_id = t.id join ledger_account a on a.id = e.account_id
              where t.invoice_id = i.id and t.kind <> 'PAYMENT' and a.organization_id = i.brand_id and a.kind = 'ORGANIZATION')::text as brand,
            (select sum(e.amount_minor) from ledger_transaction t join ledger_entry e on e.transaction_id = t.id join ledger_account a on a.id = e.account_id
              where t.invoice_id = i.id and t.kind <> 'PAYMENT' and a.organization_id = i.vendor_id and a.kind = 'ORGANIZATION')::text as vendor,
            (select sum(e.amount_minor) from ledger_transaction t join ledger_entry e on e.transaction_id = t.id join ledger_account a on a.id = e.account_id
              where t.invoice_id = i.id and t.kind <> 'PAYMENT' and a.kind = 'OPERATOR_FEES')::text as fees,
            (select sum(e.amount_minor) from ledger_transaction t join ledger_entry e on e.transaction_id = t.id join ledger_account a on a.id = e.account_id
              where t.invoice_id = i.id and t.kind = 'PAYMENT' and a.kind = 'OPERATOR_CASH')::text as payments
       from invoice i where ${inWorldSql('i.brand_id')} order by i.vendor_id, i.number`,
    [world],
  );
  const big = (s: string | null) => BigInt(s ?? '0');
  for (const inv of invoices) {
    // Numbers run per vendor, so a number alone does not name an invoice.
    const i = { ...inv, number: `${inv.number} of vendor ${inv.vendor_id}` };
    const net = big(i.net);
    const fee = big(i.fee);
    if (big(i.brand) !== net) discrepancies.push(`Invoice ${i.number}: brand posted ${big(i.brand)}, invoice net ${net}`);
    if (big(i.vendor) !== -(net - fee)) discrepancies.push(`Invoice ${i.number}: vendor posted ${big(i.vendor)}, payout ${net - fee}`);
    if (big(i.fees) !== -fee) discrepancies.push(`Invoice ${i.number}: fees posted ${big(i.fees)}, fee ${fee}`);
    if (big(i.payments) !== big(i.paid)) discrepancies.push(`Invoice ${i.number}: payments posted ${big(i.payments)}, paid ${big(i.paid)}`);
  }
  return { balanced: discrepancies.length === 0, currencies, discrepancies };
}

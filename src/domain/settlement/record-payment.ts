import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { InvoiceSchema, type Invoice } from '../../persistence/entities/settlement.js';
import { OrganizationSchema } from '../../persistence/entities/access.js';
import type { LedgerTransactionSchema } from '../../persistence/entities/ledger.js';
import type { RowOf } from '../../persistence/rows.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { accountId, operatorOrganizationId, postTransaction } from './ledger.js';
import { sandboxOfOrganization } from '../sandbox/world-clock.js';

export interface RecordPaymentCommand {
  invoiceId: string;
  amountMinor: bigint;
  currency: string;
  idempotencyKey: string;
}

/**
 * Records the brand's payment of an invoice or debit note (FINANCE keys of the brand, or the
 * operator's): posts the cash movement (debit the operator's cash account, credit the brand's
 * account) and moves the invoice to PARTIALLY_PAID or PAID. Idempotent per key: the same key
 * with the same invoice, amount and currency returns the invoice without paying again; the same
 * key with anything else is a CONFLICT (PRODUCT.md 7), never a silent success. A payment above
 * what is outstanding, or against a credit note, is refused.
 */
export async function recordPayment(em: EntityManager, clock: Clock, actor: Principal | null, cmd: RecordPaymentCommand): Promise<Result<Invoice>> {
  const p = requireRole(actor, 'FINANCE');
  try {
    return await payOnce(em, clock, p, cmd);
  } catch (error) {
    // Two requests with one key for different invoices lock different rows, so both can pass the
    // replay check; the unique key on the ledger transaction refuses the second, which is then
    // answered as a replay of the first: a CONFLICT, not an internal error.
    if (isUniqueViolation(error, 'ledger_transaction_idempotency_unique')) return payOnce(em.fork(), clock, p, cmd);
    throw error;
  }
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (error as { name?: string }).name === 'UniqueConstraintViolationException' && String((error as Error).message).includes(constraint);
}

async function payOnce(em: EntityManager, clock: Clock, p: Principal, cmd: RecordPaymentCommand): Promise<Result<Invoice>> {
  return em.transactional(async (tem) => {
    const invoice = await tem.findOne(InvoiceSchema, { id: cmd.invoiceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const payable =
      invoice &&
      (invoice.brandId === p.organizationId ||
        (p.organizationKind === 'OPERATOR' && (await sandboxOfOrganization(tem, invoice.brandId)) === (p.sandboxId ?? null)));
    if (!invoice || !payable) throw new AccessError('NOT_FOUND', `No invoice ${cmd.invoiceId} payable by this organisation`);
    const key = `payment:${p.organizationId}:${cmd.idempotencyKey}`;
    // The payment's payload is in the ledger: its invoice, currency and the cash account's debit.
    const [earlier] = await tem.execute<(Pick<RowOf<typeof LedgerTransactionSchema>, 'invoice_id' | 'currency'> & { amount_minor: string })[]>(
      `select t.invoice_id, t.currency, (select sum(e.amount_minor) from ledger_entry e where e.transaction_id = t.id and e.amount_minor > 0)::text as amount_minor
         from ledger_transaction t where t.idempotency_key = ?`,
      [key],
    );
    if (earlier) {
      if (earlier.invoice_id !== invoice.id)
        return fail('CONFLICT', 'This idempotency key was already used for a payment of another invoice', 'idempotencyKey');
      if (earlier.currency !== cmd.currency || BigInt(earlier.amount_minor) !== cmd.amountMinor) {
        return fail(
          'CONFLICT',
          `This idempotency key was already used for a payment of ${earlier.amount_minor} minor units of ${earlier.currency}; a new payment needs a new key`,
          'idempotencyKey',
        );
      }
      return ok(invoice);
    }
    if (cmd.currency !== invoice.currency) return fail('VALIDATION', `The invoice is in ${invoice.currency}`, 'input.amount.currency');
    if (invoice.kind === 'CREDIT_NOTE') return fail('VALIDATION', 'A credit note is not paid; it reduces what the brand owes', 'invoiceId');
    const outstanding = invoice.netMinor - invoice.paidMinor;
    if (cmd.amountMinor <= 0n || cmd.amountMinor > outstanding) {
      return fail('VALIDATION', `The amount must be from 1 to the ${outstanding} minor units outstanding`, 'input.amount.amountMinor');
    }
    const now = clock.now();
    const operatorId = await operatorOrganizationId(tem, invoice.brandId);
    // Invoice numbers run per vendor: the statement line names the vendor too.
    const vendor = await tem.findOneOrFail(OrganizationSchema, { id: invoice.vendorId });
    const description = `Payment of ${vendor.name} invoice ${invoice.number}`;
    await postTransaction(
      tem,
      { kind: 'PAYMENT', idempotencyKey: key, currency: invoice.currency, invoiceId: invoice.id, settlementId: null, description, postedAt: now },
      [
        { accountId: await accountId(tem, operatorId, invoice.currency, 'OPERATOR_CASH', now), amountMinor: cmd.amountMinor },
        { accountId: await accountId(tem, invoice.brandId, invoice.currency, 'ORGANIZATION', now), amountMinor: -cmd.amountMinor },
      ],
    );
    invoice.paidMinor += cmd.amountMinor;
    // ADJUSTED stays: it tells the reader that notes were issued against this invoice.
    if (invoice.status !== 'ADJUSTED') invoice.status = invoice.paidMinor === invoice.netMinor ? 'PAID' : 'PARTIALLY_PAID';
    await tem.flush();
    return ok(invoice);
  });
}

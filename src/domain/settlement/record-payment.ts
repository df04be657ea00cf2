import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { InvoiceSchema, type Invoice } from '../../persistence/entities.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { accountId, operatorOrganizationId, postTransaction } from './ledger.js';

/**
 * Records the brand's payment of an invoice or debit note (FINANCE keys of the brand, or the
 * operator's): posts the cash movement (debit the operator's cash account, credit the brand's
 * account) and moves the invoice to PARTIALLY_PAID or PAID. Idempotent per key; a payment above
 * what is outstanding, or against a credit note, is refused.
 */
export async function recordPayment(
  em: EntityManager, clock: Clock, actor: Principal | null,
  cmd: { invoiceId: string; amountMinor: bigint; currency: string; idempotencyKey: string },
): Promise<Result<Invoice>> {
  const p = requireRole(actor, 'FINANCE');
  return em.transactional(async (tem) => {
    const invoice = await tem.findOne(InvoiceSchema, { id: cmd.invoiceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!invoice || (p.organizationKind !== 'OPERATOR' && invoice.brandId !== p.organizationId)) throw new AccessError('NOT_FOUND', `No invoice ${cmd.invoiceId} payable by this organisation`);
    const key = `payment:${p.organizationId}:${cmd.idempotencyKey}`;
    const [earlier] = await tem.execute<{ invoice_id: string }[]>('select invoice_id from ledger_transaction where idempotency_key = ?', [key]);
    if (earlier) {
      return earlier.invoice_id === invoice.id ? ok(invoice) : fail('CONFLICT', 'This idempotency key was already used for another invoice', 'idempotencyKey');
    }
    if (cmd.currency !== invoice.currency) return fail('VALIDATION', `The invoice is in ${invoice.currency}`, 'input.amount.currency');
    if (invoice.kind === 'CREDIT_NOTE') return fail('VALIDATION', 'A credit note is not paid; it reduces what the brand owes', 'invoiceId');
    const outstanding = invoice.netMinor - invoice.paidMinor;
    if (cmd.amountMinor <= 0n || cmd.amountMinor > outstanding) {
      return fail('VALIDATION', `The amount must be from 1 to the ${outstanding} minor units outstanding`, 'input.amount.amountMinor');
    }
    const now = clock.now();
    const operatorId = await operatorOrganizationId(tem);
    await postTransaction(tem, { kind: 'PAYMENT', idempotencyKey: key, currency: invoice.currency, invoiceId: invoice.id, settlementId: null, description: `Payment of invoice ${invoice.number}`, postedAt: now }, [
      { accountId: await accountId(tem, operatorId, invoice.currency, 'OPERATOR_CASH', now), amountMinor: cmd.amountMinor },
      { accountId: await accountId(tem, invoice.brandId, invoice.currency, 'ORGANIZATION', now), amountMinor: -cmd.amountMinor },
    ]);
    invoice.paidMinor += cmd.amountMinor;
    // ADJUSTED stays: it tells the reader that notes were issued against this invoice.
    if (invoice.status !== 'ADJUSTED') invoice.status = invoice.paidMinor === invoice.netMinor ? 'PAID' : 'PARTIALLY_PAID';
    await tem.flush();
    return ok(invoice);
  });
}

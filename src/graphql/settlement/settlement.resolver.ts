import { Arg, Args, Ctx, Mutation, Query, Resolver, createUnionType } from 'type-graphql';
import { reportDelivery } from '../../domain/delivery/report-delivery.js';
import { accountStatement, accruals, getInvoice, ledgerBalances, listInvoices, reconciliation, statementCsv } from '../../domain/settlement/finance-queries.js';
import { recordPayment } from '../../domain/settlement/record-payment.js';
import { settleNow } from '../../domain/settlement/settle-now.js';
import { isCurrency } from '../../domain/shared/money.js';
import { GraphQLError } from 'graphql';
import type { Context } from '../context.js';
import { MoneyType } from '../common/money.type.js';
import { PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';
import { ConflictError, ContactsExceedCapacityError, ValidationError, toUserError } from '../common/user-errors.js';
import {
  AccountBalanceConnection,
  AccountBalanceType,
  AccountStatementType,
  AccrualConnection,
  AccrualType,
  DeliveryReceiptType,
  InvoiceConnection,
  InvoiceFilterInput,
  InvoiceType,
  ReconciliationType,
  RecordPaymentInput,
  ReportDeliveryInput,
  SettleContractPayloadType,
} from './settlement.types.js';

const ReportDeliveryResult = createUnionType({
  name: 'ReportDeliveryResult',
  description: 'The receipt, or why the batch was refused (then nothing was written): every refused value is one of these members, naming its field.',
  types: () => [DeliveryReceiptType, ValidationError, ContactsExceedCapacityError] as const,
});

const RecordPaymentResult = createUnionType({
  name: 'RecordPaymentResult',
  description: 'The invoice after the payment, or why it was refused.',
  types: () => [InvoiceType, ValidationError, ConflictError] as const,
});

const badInput = (field: string, message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });

@Resolver()
export class SettlementResolver {
  @Mutation(() => ReportDeliveryResult, {
    description: 'Reports actuals for a contract’s ended intervals (its VENDOR or BRAND keys); idempotent per interval and source.',
  })
  async reportDelivery(
    @Ctx() ctx: Context,
    @Arg('input', () => ReportDeliveryInput, { description: 'The actuals.' }) input: ReportDeliveryInput,
  ): Promise<typeof ReportDeliveryResult> {
    const r = await reportDelivery(ctx.em, ctx.clock, ctx.principal, {
      contractId: input.contractId,
      reports: input.reports.map((x) => ({ ...x, serviceLevelAchieved: x.serviceLevelAchieved ?? null })),
    });
    if (!r.ok) return toUserError(r.failure);
    return Object.assign(new DeliveryReceiptType(), {
      contractId: input.contractId,
      source: r.value.source,
      accepted: r.value.accepted,
      adjustmentDue: r.value.adjustmentDue,
    });
  }

  @Mutation(() => SettleContractPayloadType, {
    description: 'Settles a contract now (the brand’s FINANCE keys, or the operator); an adjustment if late actuals arrived.',
  })
  async settleContract(
    @Ctx() ctx: Context,
    @Arg('contractId', () => UuidScalar, { description: 'The contract.' }) contractId: string,
  ): Promise<SettleContractPayloadType> {
    const r = await settleNow(ctx.em, ctx.clock, ctx.principal, contractId, ctx.settlementPolicy);
    return Object.assign(new SettleContractPayloadType(), { outcome: r.outcome, invoice: r.invoice && InvoiceType.from(r.invoice) });
  }

  @Mutation(() => RecordPaymentResult, { description: 'Records the brand’s payment of an invoice (FINANCE keys of the brand, or the operator’s).' })
  async recordPayment(
    @Ctx() ctx: Context,
    @Arg('input', () => RecordPaymentInput, { description: 'The payment.' }) input: RecordPaymentInput,
    @Arg('idempotencyKey', () => String, { description: 'Client key: a retried payment is recorded once.' }) idempotencyKey: string,
  ): Promise<typeof RecordPaymentResult> {
    if (idempotencyKey.length < 1 || idempotencyKey.length > 200)
      return toUserError({ kind: 'VALIDATION', message: 'idempotencyKey is 1 to 200 characters', field: 'idempotencyKey' });
    const r = await recordPayment(ctx.em, ctx.clock, ctx.principal, {
      invoiceId: input.invoiceId,
      amountMinor: input.amount.amountMinor,
      currency: input.amount.currency,
      idempotencyKey,
    });
    return r.ok ? InvoiceType.from(r.value) : toUserError(r.failure);
  }

  @Query(() => InvoiceConnection, { description: 'Invoices and notes (FINANCE keys: your organisation’s; the operator’s: all), oldest first.' })
  async invoices(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => InvoiceFilterInput, { nullable: true, description: 'Filters.' }) filter?: InvoiceFilterInput | null,
  ) {
    return toConnection(await listInvoices(ctx.em, ctx.principal, filter ?? {}, pageRequest(page)), (i) => InvoiceType.from(i), page);
  }

  @Query(() => InvoiceType, { description: 'An invoice with its lines (FINANCE keys of a party, or the operator’s).' })
  async invoice(@Ctx() ctx: Context, @Arg('id', () => UuidScalar, { description: 'Invoice id.' }) id: string): Promise<InvoiceType> {
    const r = await getInvoice(ctx.em, ctx.principal, id);
    return InvoiceType.from(r.invoice, r.lines);
  }

  @Query(() => AccountBalanceConnection, {
    description: 'Ledger accounts with their balances as of a time, oldest account first (FINANCE keys: your accounts; the operator’s: all).',
  })
  async ledgerBalances(
    @Ctx() ctx: Context,
    @Arg('asOf', () => Date, { nullable: true, description: 'Include entries posted at or before this time (default: now).' }) asOf: Date | null | undefined,
    @Arg('currency', () => String, { nullable: true, description: 'Only accounts in this currency.' }) currency: string | null | undefined,
    @Args(() => PageArgs) page: PageArgs,
  ) {
    if (currency != null && !isCurrency(currency)) throw badInput('currency', `Unknown currency ${currency}`);
    const balances = await ledgerBalances(ctx.em, ctx.principal, asOf ?? ctx.clock.now(), currency ?? null, pageRequest(page));
    return toConnection(balances, AccountBalanceType.from, page, (b) => b.accountId);
  }

  @Query(() => AccountStatementType, { description: 'Statement of one account over [from, to), with CSV (FINANCE keys of its owner, or the operator’s).' })
  async accountStatement(
    @Ctx() ctx: Context,
    @Arg('accountId', () => UuidScalar, { description: 'Account id (see ledgerBalances).' }) accountId: string,
    @Arg('from', () => Date, { description: 'Period start (inclusive).' }) from: Date,
    @Arg('to', () => Date, { description: 'Period end (exclusive).' }) to: Date,
  ): Promise<AccountStatementType> {
    if (to.getTime() <= from.getTime()) throw badInput('to', '`to` must be after `from`');
    const s = await accountStatement(ctx.em, ctx.principal, accountId, from, to);
    return AccountStatementType.from(s, statementCsv(s));
  }

  @Query(() => AccrualConnection, {
    description:
      'Delivered but unsettled value of every open contract, zero included, oldest contract first: not yet settled, or settled with late actuals to adjust (FINANCE keys: your contracts; the operator’s: all).',
  })
  async accruals(@Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs) {
    return toConnection(await accruals(ctx.em, ctx.principal, ctx.settlementPolicy, pageRequest(page)), AccrualType.from, page, (a) => a.contractId);
  }

  @Query(() => ReconciliationType, { description: 'Checks the books: ledger balances to zero per currency, invoices equal postings (operator keys only).' })
  async reconciliation(@Ctx() ctx: Context): Promise<ReconciliationType> {
    const r = await reconciliation(ctx.em, ctx.principal);
    return Object.assign(new ReconciliationType(), {
      balanced: r.balanced,
      discrepancies: r.discrepancies,
      sums: r.currencies.map((c) => MoneyType.of(c.sumMinor, c.currency)),
    });
  }
}

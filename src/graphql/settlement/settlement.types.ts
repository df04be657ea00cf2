import { ValidateNested } from 'class-validator';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Invoice, InvoiceLine } from '../../persistence/entities/settlement.js';
import type { AccountBalance, Accrual, Statement } from '../../domain/settlement/finance-queries.js';
import { MAX_REPORTS_PER_BATCH } from '../../domain/delivery/report-delivery.js';
import { MoneyInput, MoneyType } from '../common/money.type.js';
import { Connection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';
import { AccountKind, DeliverySource, SettlementOutcome, StatementEntryKind } from './settlement.enums.js';

export enum InvoiceKind {
  INVOICE = 'INVOICE',
  CREDIT_NOTE = 'CREDIT_NOTE',
  DEBIT_NOTE = 'DEBIT_NOTE',
}
export enum InvoiceStatus {
  ISSUED = 'ISSUED',
  PARTIALLY_PAID = 'PARTIALLY_PAID',
  PAID = 'PAID',
  ADJUSTED = 'ADJUSTED',
}
export enum InvoiceLineKind {
  BASE = 'BASE',
  CREDIT = 'CREDIT',
  FEE = 'FEE',
}
registerEnumType(InvoiceKind, {
  name: 'InvoiceKind',
  description: 'An invoice, or a credit/debit note posting a later adjustment against it.',
  valuesConfig: {
    INVOICE: { description: 'The invoice of a contract’s first settlement.' },
    CREDIT_NOTE: { description: 'A note lowering what the brand owes, after late actuals.' },
    DEBIT_NOTE: { description: 'A note raising what the brand owes, after late actuals.' },
  },
});
registerEnumType(InvoiceStatus, {
  name: 'InvoiceStatus',
  description: 'ADJUSTED: notes were issued against this invoice.',
  valuesConfig: {
    ISSUED: { description: 'Issued; nothing paid yet.' },
    PARTIALLY_PAID: { description: 'Paid in part.' },
    PAID: { description: 'Paid in full.' },
    ADJUSTED: { description: 'Credit or debit notes were issued against it.' },
  },
});
registerEnumType(InvoiceLineKind, {
  name: 'InvoiceLineKind',
  description: 'BASE per interval, CREDIT (service credit, negative) per interval, FEE (marketplace fee, paid by the vendor).',
  valuesConfig: {
    BASE: { description: 'Seat-hours of one interval at the contract rate.' },
    CREDIT: { description: 'Service credit for one interval below its service-level target (negative).' },
    FEE: { description: 'The marketplace fee, paid by the vendor.' },
  },
});

@ObjectType('InvoiceLine', { description: 'One rounded line of an invoice.' })
export class InvoiceLineType {
  @Field(() => Int, { description: 'Position on the invoice.' }) position!: number;
  @Field(() => InvoiceLineKind, { description: 'Kind of line.' }) kind!: InvoiceLineKind;
  @Field(() => Int, { nullable: true, description: 'Contract interval, for BASE and CREDIT lines.' }) intervalIndex!: number | null;
  @Field(() => Float, { nullable: true, description: 'Billable seat-hours of a BASE line.' }) billableSeatHours!: number | null;
  @Field(() => String, { description: 'What the line is for.' }) description!: string;
  @Field(() => MoneyType, { description: 'Amount, rounded half to even once.' }) amount!: MoneyType;

  static from(l: InvoiceLine, currency: string): InvoiceLineType {
    return Object.assign(new InvoiceLineType(), {
      position: l.position,
      kind: l.kind,
      intervalIndex: l.intervalIndex,
      description: l.description,
      amount: MoneyType.of(l.amountMinor, currency),
      billableSeatHours: l.billableUnits === null ? null : Number(l.billableUnits) / 10_000,
    });
  }
}

@ObjectType('Invoice', { description: 'What a brand owes for a contract (or a note adjusting it); the vendor receives net minus fee.' })
export class InvoiceType {
  @Field(() => UuidScalar, { description: 'Invoice id.' }) id!: string;
  @Field(() => String, {
    description:
      'The issuing vendor’s document number: decimal digits, in one sequence per vendor shared by its invoices and notes (1, 2, 3, …). Unique together with `vendorId`, not across vendors.',
  })
  number!: string;
  @Field(() => InvoiceKind, { description: 'Invoice, credit note or debit note.' }) kind!: InvoiceKind;
  @Field(() => UuidScalar, { nullable: true, description: 'For notes: the invoice they adjust.' }) originalInvoiceId!: string | null;
  @Field(() => InvoiceStatus, { description: 'Status.' }) status!: InvoiceStatus;
  @Field(() => UuidScalar, { description: 'The contract.' }) contractId!: string;
  @Field(() => UuidScalar, { description: 'The paying brand.' }) brandId!: string;
  @Field(() => UuidScalar, { description: 'The delivering vendor.' }) vendorId!: string;
  @Field(() => MoneyType, { description: 'Net: base minus service credits; what the brand owes (negative for a credit note).' }) net!: MoneyType;
  @Field(() => MoneyType, { description: 'Marketplace fee, paid by the vendor.' }) fee!: MoneyType;
  @Field(() => MoneyType, { description: 'Net minus fee: what the vendor receives.' }) vendorPayout!: MoneyType;
  @Field(() => MoneyType, { description: 'Paid by the brand so far.' }) paid!: MoneyType;
  @Field(() => Date, { description: 'Start of the contract period.' }) periodStart!: Date;
  @Field(() => Date, { description: 'End of the contract period.' }) periodEnd!: Date;
  @Field(() => Date, { description: 'When it was issued.' }) issuedAt!: Date;
  @Field(() => [InvoiceLineType], { nullable: true, description: 'Lines (on `invoice(id)`; null in lists).' }) lines!: InvoiceLineType[] | null;

  static from(i: Invoice, lines: InvoiceLine[] | null = null): InvoiceType {
    const m = (v: bigint) => MoneyType.of(v, i.currency);
    return Object.assign(new InvoiceType(), {
      id: i.id,
      number: String(i.number),
      kind: i.kind,
      originalInvoiceId: i.originalInvoiceId,
      status: i.status,
      contractId: i.contractId,
      brandId: i.brandId,
      vendorId: i.vendorId,
      net: m(i.netMinor),
      fee: m(i.feeMinor),
      vendorPayout: m(i.vendorPayoutMinor),
      paid: m(i.paidMinor),
      periodStart: i.periodStart,
      periodEnd: i.periodEnd,
      issuedAt: i.issuedAt,
      lines: lines && lines.map((l) => InvoiceLineType.from(l, i.currency)),
    });
  }
}

export const InvoiceConnection = Connection(InvoiceType, 'Invoice', 'invoice');

@ObjectType('AccountBalance', { description: 'A ledger account and its balance (positive = debit: owed to the marketplace).' })
export class AccountBalanceType {
  @Field(() => UuidScalar, { description: 'Account id.' }) accountId!: string;
  @Field(() => UuidScalar, { description: 'Owning organisation.' }) organizationId!: string;
  @Field(() => AccountKind, { description: 'What the account holds.' }) kind!: string;
  @Field(() => MoneyType, { description: 'Balance.' }) balance!: MoneyType;

  static from(b: AccountBalance): AccountBalanceType {
    return Object.assign(new AccountBalanceType(), {
      accountId: b.accountId,
      organizationId: b.organizationId,
      kind: b.kind,
      balance: MoneyType.of(b.balanceMinor, b.currency),
    });
  }
}

export const AccountBalanceConnection = Connection(AccountBalanceType, 'AccountBalance', 'ledger account with its balance');

@ObjectType('StatementEntry', { description: 'One posting on an account statement.' })
export class StatementEntryType {
  @Field(() => UuidScalar, { description: 'Ledger transaction.' }) transactionId!: string;
  @Field(() => StatementEntryKind, { description: 'The transaction behind the line.' }) kind!: string;
  @Field(() => String, { description: 'Description.' }) description!: string;
  @Field(() => Date, { description: 'When it was posted.' }) postedAt!: Date;
  @Field(() => MoneyType, { description: 'Amount (positive = debit).' }) amount!: MoneyType;
  @Field(() => MoneyType, { description: 'Running balance after it.' }) balance!: MoneyType;
}

@ObjectType('AccountStatement', { description: 'Postings on one account over a half-open period [from, to).' })
export class AccountStatementType {
  @Field(() => AccountBalanceType, { description: 'The account, with its closing balance.' }) account!: AccountBalanceType;
  @Field(() => Date, { description: 'Period start (inclusive).' }) from!: Date;
  @Field(() => Date, { description: 'Period end (exclusive).' }) to!: Date;
  @Field(() => MoneyType, { description: 'Balance at `from`.' }) opening!: MoneyType;
  @Field(() => MoneyType, { description: 'Balance at `to`.' }) closing!: MoneyType;
  @Field(() => [StatementEntryType], { description: 'Postings in time order.' }) entries!: StatementEntryType[];
  @Field(() => String, { description: 'The statement as CSV.' }) csv!: string;

  static from(s: Statement, csv: string): AccountStatementType {
    const m = (v: bigint) => MoneyType.of(v, s.account.currency);
    return Object.assign(new AccountStatementType(), {
      account: AccountBalanceType.from(s.account),
      from: s.from,
      to: s.to,
      opening: m(s.openingMinor),
      closing: m(s.closingMinor),
      csv,
      entries: s.entries.map((e) => ({
        transactionId: e.transactionId,
        kind: e.kind,
        description: e.description,
        postedAt: e.postedAt,
        amount: m(e.amountMinor),
        balance: m(e.balanceMinor),
      })),
    });
  }
}

@ObjectType('Accrual', { description: 'Value delivered but not yet settled on one open contract (0 when nothing is delivered yet or everything is invoiced).' })
export class AccrualType {
  @Field(() => UuidScalar, { description: 'The contract.' }) contractId!: string;
  @Field(() => UuidScalar, { description: 'The brand.' }) brandId!: string;
  @Field(() => UuidScalar, { description: 'The vendor.' }) vendorId!: string;
  @Field(() => MoneyType, { description: 'Net the brand will owe for actuals reported so far, not yet invoiced.' }) unsettledNet!: MoneyType;

  static from(a: Accrual): AccrualType {
    return Object.assign(new AccrualType(), {
      contractId: a.contractId,
      brandId: a.brandId,
      vendorId: a.vendorId,
      unsettledNet: MoneyType.of(a.unsettledNetMinor, a.currency),
    });
  }
}

export const AccrualConnection = Connection(AccrualType, 'Accrual', 'accrual');

@ObjectType('Reconciliation', { description: 'Whether the books agree: ledger sums to zero per currency, and invoices equal their postings and payments.' })
export class ReconciliationType {
  @Field(() => Boolean, { description: 'True when there is no discrepancy.' }) balanced!: boolean;
  @Field(() => [MoneyType], { description: 'Sum of all ledger entries per currency (zero when balanced).' }) sums!: MoneyType[];
  @Field(() => [String], { description: 'Every discrepancy found, in words.' }) discrepancies!: string[];
}

@ObjectType('DeliveryReceipt', { description: 'Actuals accepted for a contract.' })
export class DeliveryReceiptType {
  @Field(() => UuidScalar, { description: 'The contract.' }) contractId!: string;
  @Field(() => DeliverySource, { description: 'Whose report this is.' }) source!: string;
  @Field(() => Int, { description: 'Interval reports accepted (each replaced any earlier one from the same source).' }) accepted!: number;
  @Field(() => Boolean, { description: 'True when the contract was already settled: an adjustment settlement will post the difference.' })
  adjustmentDue!: boolean;
}

@ObjectType('SettleContractPayload', { description: 'What settling did.' })
export class SettleContractPayloadType {
  @Field(() => SettlementOutcome, { description: 'What settling did.' }) outcome!: string;
  @Field(() => InvoiceType, { nullable: true, description: 'The invoice or note issued now, if any.' }) invoice!: InvoiceType | null;
}

/*
 * The delivery inputs carry no edge validators on purpose: reportDelivery judges every value
 * and refuses it as a result-union member naming the field (ValidationError,
 * ContactsExceedCapacityError), so a client meets one shape of input error. Only what does not
 * match the declared GraphQL types (a string for an Int, a malformed UUID) is refused by GraphQL
 * itself, before any resolver runs, as for every operation.
 */
@InputType({ description: 'Actuals of one contract interval. Refusals come back as ValidationError or ContactsExceedCapacityError naming the field.' })
export class IntervalReportInput {
  @Field(() => Int, { description: 'Contract interval index (an interval of the contract that has ended).' })
  intervalIndex!: number;

  @Field(() => Float, {
    description: 'Staffed seat-hours: at least 0, at most twice the awarded seat-hours, at most 4 decimals (more is refused, not rounded).',
  })
  staffedSeatHours!: number;

  @Field(() => Int, {
    description:
      'Contacts handled: 0 to 1,000,000, and at most what the staffed seat-hours could physically handle (staffed seat-hours × 3,600 ÷ (a quarter of the interval’s forecast AHT, or 30 s for seat intervals) × chat concurrency).',
  })
  contactsHandled!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'Service level achieved, 0–1 with at most 6 decimals (stored in parts per million; more is refused, not rounded); null if not measured (no credit).',
  })
  serviceLevelAchieved?: number | null;
}

@InputType({ description: 'A batch of actuals for one contract: all accepted or none.' })
export class ReportDeliveryInput {
  @Field(() => UuidScalar, { description: 'The contract.' }) contractId!: string;

  @Field(() => [IntervalReportInput], { description: `1 to ${MAX_REPORTS_PER_BATCH} interval reports.` })
  reports!: IntervalReportInput[];
}

@InputType({ description: 'A payment by the brand against an invoice or debit note.' })
export class RecordPaymentInput {
  @Field(() => UuidScalar, { description: 'The invoice.' }) invoiceId!: string;
  @Field(() => MoneyInput, { description: 'Amount paid, in the invoice currency.' })
  @ValidateNested()
  amount!: MoneyInput;
}

@InputType({ description: 'Filters for invoices; all optional.' })
export class InvoiceFilterInput {
  @Field(() => Date, { nullable: true, description: 'Issued at or after.' }) issuedFrom?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Issued before.' }) issuedTo?: Date | null;
  @Field(() => UuidScalar, { nullable: true, description: 'Only this brand’s.' }) brandId?: string | null;
  @Field(() => UuidScalar, { nullable: true, description: 'Only this vendor’s.' }) vendorId?: string | null;
  @Field(() => UuidScalar, { nullable: true, description: 'Only this contract’s invoice and its credit and debit notes.' }) contractId?: string | null;
  @Field(() => InvoiceStatus, { nullable: true, description: 'Only in this status.' }) status?: InvoiceStatus | null;
}

import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Watched } from '../../domain/events/watch-events.js';
import type { BidOutcome } from '../../persistence/entities/clearing.js';
import type { Contract } from '../../persistence/entities/contracts.js';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import { BidOutcomeType, ContractType } from '../clearing/clearing.types.js';
import { MoneyType } from '../common/money.type.js';
import { UuidScalar } from '../common/scalars.js';
import { DemandSpikeType } from '../demand/demand.types.js';
import { InvoiceKind } from '../settlement/settlement.types.js';

export enum SettlementKind {
  INITIAL = 'INITIAL',
  ADJUSTMENT = 'ADJUSTMENT',
}
registerEnumType(SettlementKind, {
  name: 'SettlementKind',
  description: 'INITIAL: the first settlement of a contract; ADJUSTMENT: a later one posting the difference after late actuals.',
  valuesConfig: {
    INITIAL: { description: 'The first settlement of a contract: its invoice.' },
    ADJUSTMENT: { description: 'A later settlement posting the difference after late actuals: a credit or debit note.' },
  },
});

const EVENT_ID = 'Event id (UUIDv7). Delivery is at least once: drop an id you have already handled. Webhooks carry the same id.';
const OCCURRED_AT = 'When the change happened (committed).';

@ObjectType('DemandSpikePostedEvent', { description: 'A spike you may bid on was published.' })
export class DemandSpikePostedEventType {
  @Field(() => UuidScalar, { description: EVENT_ID }) eventId!: string;
  @Field(() => Date, { description: OCCURRED_AT }) occurredAt!: Date;
  @Field(() => DemandSpikeType, { description: 'The spike, as `demandSpike(id)` shows it to you.' }) spike!: DemandSpikeType;

  static from(w: Watched<'demand_spike.posted', DemandSpike>): DemandSpikePostedEventType {
    return Object.assign(new DemandSpikePostedEventType(), {
      eventId: w.event.id,
      occurredAt: new Date(w.event.createdAt),
      spike: DemandSpikeType.from(w.resource),
    });
  }
}

@ObjectType('BidOutcomeEvent', { description: 'Clearing decided one of your bids.' })
export class BidOutcomeEventType {
  @Field(() => UuidScalar, { description: EVENT_ID }) eventId!: string;
  @Field(() => Date, { description: OCCURRED_AT }) occurredAt!: Date;
  @Field(() => UuidScalar, { description: 'The spike the bid was on.' }) spikeId!: string;
  @Field(() => UuidScalar, { nullable: true, description: 'Your contract for the spike when the bid won seats; null otherwise.' }) contractId!: string | null;
  @Field(() => BidOutcomeType, { description: 'The outcome, as `bidOutcome(bidId)` shows it: status, reason and bid to beat.' }) outcome!: BidOutcomeType;

  static from(w: Watched<'bid.outcome', BidOutcome>): BidOutcomeEventType {
    return Object.assign(new BidOutcomeEventType(), {
      eventId: w.event.id,
      occurredAt: new Date(w.event.createdAt),
      spikeId: w.event.data.spikeId,
      contractId: w.event.data.contractId,
      outcome: BidOutcomeType.from(w.resource),
    });
  }
}

@ObjectType('ContractSettledEvent', { description: 'A contract your organisation is party to was settled, or adjusted after late actuals.' })
export class ContractSettledEventType {
  @Field(() => UuidScalar, { description: EVENT_ID }) eventId!: string;
  @Field(() => Date, { description: OCCURRED_AT }) occurredAt!: Date;
  @Field(() => UuidScalar, { description: 'The settlement.' }) settlementId!: string;
  @Field(() => Int, { description: '1 for the first settlement, then 2, 3, … for adjustments.' }) sequence!: number;
  @Field(() => SettlementKind, { description: 'First settlement or adjustment.' }) kind!: SettlementKind;
  @Field(() => UuidScalar, { description: 'The invoice (or credit/debit note) it issued; FINANCE keys read it with `invoice(id)`.' }) invoiceId!: string;
  @Field(() => InvoiceKind, { description: 'Invoice, credit note or debit note.' }) invoiceKind!: InvoiceKind;
  @Field(() => MoneyType, { description: 'Net amount of this settlement (for an adjustment: the difference).' }) net!: MoneyType;
  @Field(() => MoneyType, { description: 'Marketplace fee of this settlement, paid by the vendor.' }) fee!: MoneyType;
  @Field(() => MoneyType, { description: 'What the vendor receives: net minus fee.' }) vendorPayout!: MoneyType;
  @Field(() => ContractType, { description: 'The contract, after the settlement.' }) contract!: ContractType;

  static from(w: Watched<'contract.settled', Contract>): ContractSettledEventType {
    const d = w.event.data;
    return Object.assign(new ContractSettledEventType(), {
      eventId: w.event.id,
      occurredAt: new Date(w.event.createdAt),
      settlementId: d.settlementId,
      sequence: d.sequence,
      kind: d.kind,
      invoiceId: d.invoiceId,
      invoiceKind: d.invoiceKind,
      net: MoneyType.of(BigInt(d.netMinor), d.currency),
      fee: MoneyType.of(BigInt(d.feeMinor), d.currency),
      vendorPayout: MoneyType.of(BigInt(d.vendorPayoutMinor), d.currency),
      contract: ContractType.from(w.resource),
    });
  }
}

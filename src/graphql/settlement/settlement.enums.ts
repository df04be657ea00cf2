import { registerEnumType } from 'type-graphql';

export enum AccountKind {
  ORGANIZATION = 'ORGANIZATION',
  OPERATOR_FEES = 'OPERATOR_FEES',
  OPERATOR_CASH = 'OPERATOR_CASH',
}
registerEnumType(AccountKind, {
  name: 'AccountKind',
  description: 'What a ledger account holds.',
  valuesConfig: {
    ORGANIZATION: { description: 'An organisation’s account with the marketplace: a brand owes, a vendor is owed (one per organisation and currency).' },
    OPERATOR_FEES: { description: 'The operator’s fee income.' },
    OPERATOR_CASH: { description: 'The operator’s cash: payments in and out.' },
  },
});

export enum StatementEntryKind {
  SETTLEMENT = 'SETTLEMENT',
  ADJUSTMENT = 'ADJUSTMENT',
  PAYMENT = 'PAYMENT',
}
registerEnumType(StatementEntryKind, {
  name: 'StatementEntryKind',
  description: 'The ledger transaction behind a statement line.',
  valuesConfig: {
    SETTLEMENT: { description: 'A contract’s settlement (its invoice).' },
    ADJUSTMENT: { description: 'An adjustment after late actuals (a credit or debit note).' },
    PAYMENT: { description: 'A recorded payment.' },
  },
});

export enum DeliverySource {
  VENDOR = 'VENDOR',
  BRAND = 'BRAND',
}
registerEnumType(DeliverySource, {
  name: 'DeliverySource',
  description: 'Whose delivery report this is.',
  valuesConfig: {
    VENDOR: { description: 'The delivering vendor’s own report (the one that counts under NETWORK_DELIVERED).' },
    BRAND: { description: 'The brand’s report from its own platform (the one that counts under ENTERPRISE_ROUTED and VIRTUALIZED).' },
  },
});

export enum SettlementOutcome {
  SETTLED = 'SETTLED',
  ADJUSTED = 'ADJUSTED',
  NOTHING_TO_ADJUST = 'NOTHING_TO_ADJUST',
  ALREADY_SETTLED = 'ALREADY_SETTLED',
}
registerEnumType(SettlementOutcome, {
  name: 'SettlementOutcome',
  description: 'What a settlement run did.',
  valuesConfig: {
    SETTLED: { description: 'The contract was settled now: an invoice was issued.' },
    ADJUSTED: { description: 'Late actuals changed the amount: a credit or debit note was issued.' },
    NOTHING_TO_ADJUST: { description: 'Late actuals were reported but changed nothing: no note.' },
    ALREADY_SETTLED: { description: 'The contract was settled before and nothing is due: nothing issued.' },
  },
});

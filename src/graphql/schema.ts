import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AccessResolver } from './access/access.resolver.js';
import { BiddingResolver } from './bidding/bidding.resolver.js';
import { ClearingResolver } from './clearing/clearing.resolver.js';
import { SettlementResolver } from './settlement/settlement.resolver.js';
import { DemandResolver } from './demand/demand.resolver.js';
import { QualityResolver } from './quality/quality.resolver.js';
import { trackUserErrors } from './metrics.plugin.js';
import { RealtimeResolver } from './realtime/realtime.resolver.js';
import { WebhooksResolver } from './webhooks/webhooks.resolver.js';
import { refusingPubSub } from './realtime/refusing-pub-sub.js';
import { DateTimeScalar } from './common/scalars.js';
import { ConsoleResolver } from './access/console.resolver.js';
import { BidFields } from './bidding/bid.fields.js';
import { ClearingFailuresResolver } from './clearing/clearing-failures.resolver.js';
import { AwardLineFields, BidOutcomeFields, ContractFields } from './clearing/contract.fields.js';
import { PreviewStaffingResolver } from './demand/preview-staffing.resolver.js';
import { AccountBalanceFields, AccrualFields, InvoiceFields } from './settlement/invoice.fields.js';
import { SandboxResolver } from './sandbox/sandbox.resolver.js';

export const resolvers = [
  AccessResolver,
  DemandResolver,
  BiddingResolver,
  ClearingResolver,
  SettlementResolver,
  QualityResolver,
  WebhooksResolver,
  RealtimeResolver,
  // The web console's reads (issue 14): batched field resolvers and the lists it needs.
  ConsoleResolver,
  PreviewStaffingResolver,
  ClearingFailuresResolver,
  ContractFields,
  AwardLineFields,
  BidOutcomeFields,
  InvoiceFields,
  AccountBalanceFields,
  AccrualFields,
  BidFields,
  // Sandboxes and test clocks (issue 16).
  SandboxResolver,
] as const;

let built: Promise<GraphQLSchema> | null = null;

/** The executable schema (built once per process). Inputs are validated with class-validator. */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    validate: { forbidUnknownValues: false, stopAtFirstError: true },
    pubSub: refusingPubSub,
    // Dates with @specifiedBy (type-graphql's default is the same scalar without it).
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  }).then((schema) => {
    // type-graphql leaves the root types undescribed; clients read these first.
    const query = schema.getQueryType();
    const mutation = schema.getMutationType();
    const subscription = schema.getSubscriptionType();
    if (subscription)
      subscription.description =
        'Live events over graphql-ws on /graphql (connectionParams { authorization: "Bearer <key>" }). At least once: dedupe by eventId.';
    if (query) query.description = 'Reads. Every list is cursor-paginated (first ≤ 100, after = endCursor).';
    if (mutation) mutation.description = 'Changes. Expected refusals come back as UserError members of each result union, with nothing written.';
    trackUserErrors(schema);
    return schema;
  });
  return built;
}

/** The schema as committed in schema.graphql: sorted, so the file only changes when the API does. */
export async function printedSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await getSchema()))}\n`;
}

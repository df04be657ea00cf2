import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  TypeInfo,
  ValidationContext,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
// The CommonJS build on purpose: the ESM build deep-imports graphql's .mjs files, a second copy of
// graphql that rejects our schema's types ("another module or realm"). graphql-query-complexity#100.
import { createComplexityRule, type ComplexityEstimator } from 'graphql-query-complexity/cjs';
import { MAX_PAGE_SIZE } from '../../domain/shared/page.js';

/**
 * What an operation costs, in points that stand for objects the server has to produce:
 *
 * - a field returning an object costs 1, a scalar or enum 0;
 * - a connection (a field with `first`) costs 1 plus `first` (at most 100) × one item, so
 *   `demandSpikes(first: 100) { nodes { id } }` costs 101; `edges` and `pageInfo` are free
 *   wrappers, the item itself (`nodes` or `edges.node`) costs 1;
 * - other lists of objects have no size argument, so they count as their expected size
 *   (LIST_SIZES, default 10) × one item;
 * - every mutation costs MUTATION_COST more (a transaction with writes), and fields that read a
 *   lot (clearing results, audit records, statements, rankings, the ledger) cost EXTRA_COST more.
 *
 * The same number is the request's price for the rate limiter (docs/security.md).
 */

/** Expected items of object lists that have no `first`, where 10 would be far off. */
export const LIST_SIZES: Readonly<Record<string, number>> = {
  // A day of 30-minute intervals.
  'DemandSpike.intervals': 48,
  'Bid.offered': 48,
  'Contract.seats': 48,
  'ClearingResult.intervals': 48,
  'RoutingPlan.intervals': 48,
  'BidOutcome.bidToBeat': 48,
  // Awards are per bid and interval.
  'ClearingResult.awards': 100,
  'ClearingResult.bids': 50,
  'Invoice.lines': 100,
  'AccountStatement.entries': 100,
  'QualityEventBatchReceipt.receipts': 100,
  'StaffingPreview.intervals': 48,
};

export const DEFAULT_LIST_SIZE = 10;
export const MUTATION_COST = 10;

/** Extra points for fields whose resolvers read far more than what they return. */
export const EXTRA_COST: Readonly<Record<string, number>> = {
  'Query.clearingResult': 20,
  'Query.auditRecord': 20,
  'Query.routingPlan': 10,
  'Query.accountStatement': 20,
  'Query.ledgerBalances': 10,
  'Query.accruals': 20,
  'Query.reconciliation': 50,
  'Query.vendorRankings': 20,
  'Query.vendorScorecard': 10,
  'Query.scoreHistory': 10,
  // Up to 5,000 events in one transaction: the per-event price is added below.
  'Mutation.recordQualityEvents': 10,
  // Erlang C for up to 672 intervals, nothing read.
  'Query.previewStaffing': 10,
  // A join over clearing failures and spikes.
  'Query.clearingFailures': 5,
  // Batched reads behind ids (src/graphql/common/loaders.ts): one query per request, priced per
  // item anyway (1 more than an object), since a page of 100 contracts asks for 100 of each.
  'Contract.spike': 1,
  'Contract.brand': 1,
  'Contract.vendor': 1,
  'AwardLine.vendor': 1,
  'BidOutcome.vendor': 1,
  'Invoice.contract': 1,
  'Invoice.brand': 1,
  'Invoice.vendor': 1,
  'AccountBalance.organization': 1,
  'Accrual.brand': 1,
  'Accrual.vendor': 1,
  'Bid.spike': 1,
  'Bid.outcome': 1,
};

/** Points per 10 events of a quality batch, on top of the mutation's own price. */
const PER_TEN_EVENTS = 1;

const isConnectionName = (name: string) => name.endsWith('Connection');

/** The estimator graphql-query-complexity calls for every selected field, children first. */
export const costEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const named = getNamedType(field.type);
  const coordinate = `${type.name}.${field.name}`;
  const wrapper = isConnectionName(type.name) && (field.name === 'edges' || field.name === 'pageInfo');
  const item = isCompositeType(named) && !wrapper ? 1 : 0;
  // Paid once per field, however many items it returns.
  const extra = (EXTRA_COST[coordinate] ?? 0) + (type.name === 'Mutation' ? MUTATION_COST + eventsPrice(args) : 0);
  if (isConnectionName(named.name) && typeof args.first === 'number') {
    // A page never holds more than MAX_PAGE_SIZE; a larger `first` is refused as BAD_USER_INPUT.
    return extra + item + Math.min(MAX_PAGE_SIZE, Math.max(0, args.first)) * childComplexity;
  }
  // Lists inside a connection are already multiplied by the connection's `first`.
  const list = isListType(getNullableType(field.type)) && !isConnectionName(type.name);
  if (list && isCompositeType(named)) return extra + (LIST_SIZES[coordinate] ?? DEFAULT_LIST_SIZE) * (item + childComplexity);
  return extra + item + childComplexity;
};

function eventsPrice(args: Record<string, unknown>): number {
  const events = (args.input as { events?: unknown } | undefined)?.events;
  return Array.isArray(events) ? Math.ceil(events.length / 10) * PER_TEN_EVENTS : 0;
}

/** Raised when an operation has more selections than the analysis is willing to walk. */
export class TooManyNodesError extends Error {}

/**
 * The cost of one operation of a validated document, with the request's variables. Problems
 * with arguments or variables are left to execution, which refuses them before any resolver
 * runs: a field whose arguments cannot be coerced is not executed, so it costs nothing here.
 * More than `maxNodes` selections (fragment bombs) throws TooManyNodesError.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  maxNodes = 10_000,
): number {
  let cost = 0;
  const typeInfo = new TypeInfo(schema);
  const context = new ValidationContext(schema, document, typeInfo, () => {});
  const rule = createComplexityRule({
    maximumComplexity: Number.MAX_SAFE_INTEGER,
    estimators: [costEstimator],
    variables: variables ?? {},
    maxQueryNodes: maxNodes,
    onComplete: (complexity) => {
      cost = complexity;
    },
  });
  try {
    visit(operation, visitWithTypeInfo(typeInfo, rule(context)));
  } catch (error) {
    if (error instanceof Error && /maximum allowed number of nodes/.test(error.message)) throw new TooManyNodesError(error.message);
    throw error;
  }
  return Number.isFinite(cost) ? cost : Number.MAX_SAFE_INTEGER;
}

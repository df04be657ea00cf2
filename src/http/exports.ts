/**
 * CSV downloads (`text/csv`) of what the GraphQL API shows as data (PRODUCT.md 11):
 *
 *   GET /exports/routing-plan/:spikeId.csv                      routingPlan   (brand, operator)
 *   GET /exports/awards/:spikeId.csv                            clearingResult.awards, with each contract's rate
 *   GET /exports/statement.csv?accountId=&from=&to=             accountStatement (FINANCE of the owner, operator)
 *   GET /exports/invoices/:invoiceId.csv                        invoice with its lines (FINANCE of either party, operator)
 *
 * Each reads through the same query functions as the GraphQL field, with the same principal
 * (an API key as `Authorization: Bearer`, or the console's session cookie with its header), so
 * it refuses exactly what the field refuses, with the same codes: 401 UNAUTHENTICATED, 403
 * FORBIDDEN, 404 NOT_FOUND (also for a spike not cleared yet), 400 BAD_USER_INPUT, 429
 * RATE_LIMITED, as JSON in the GraphQL error shape. A download costs EXPORT_COST points of the
 * key's rate budget, and answers carry the X-RateLimit headers.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { GraphQLError } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { organizationsByIds } from '../domain/access/organization-queries.js';
import type { Principal } from '../domain/access/principal.js';
import { awardsCsv, routingPlanDownloadCsv } from '../domain/clearing/clearing-csv.js';
import { getClearingResult, getRoutingPlan, listContracts, spikeForBrand } from '../domain/clearing/clearing-queries.js';
import { invoiceDownloadCsv, statementDownloadCsv } from '../domain/settlement/finance-csv.js';
import { getInvoice } from '../domain/settlement/finance-queries.js';
import {
  accountStatement,
  MAX_STATEMENT_ENTRIES,
  statementEntryCount,
  statementSummary,
  StatementTooLongError,
} from '../domain/settlement/statement-queries.js';
import { isUuid } from '../domain/shared/ids.js';
import { AccessError } from '../domain/shared/result.js';
import { payFor, rateSubject } from '../graphql/limits/operation-admission.js';
import { isDatabaseUnavailable } from '../persistence/db-errors.js';
import { sendError } from './http-errors.js';
import { rateLimitHeaders, type RateLimiter } from './rate-limit.js';
import { requestLocals } from './request-log.js';

export const EXPORTS_PATH = '/exports';
/** Points of the rate budget one download costs: about a page of 100 rows of the GraphQL field. */
export const EXPORT_COST = 100;
/** A statement download pays EXPORT_COST per started STATEMENT_ROWS_PER_COST entries: its work grows with the period. */
export const STATEMENT_ROWS_PER_COST = 1_000;

export interface ExportDeps {
  fork: () => EntityManager;
  /** The caller, as /graphql would see it: null without credentials; throws a GraphQLError (401, 403, 429) for bad ones. */
  principalFor: (em: EntityManager, req: Request) => Promise<Principal | null>;
  rateLimiter?: RateLimiter;
}

class BadInput extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 } as const;

function uuidParam(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isUuid(value)) throw new BadInput(field, `${field} must be a UUID`);
  return value;
}

function instantParam(value: unknown, field: string): Date {
  const at = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime())) throw new BadInput(field, `${field} must be an ISO 8601 date-time with an offset, e.g. 2026-11-01T00:00:00Z`);
  return at;
}

function fileName(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 120);
}

/** A route: authenticate, charge, build the CSV, and answer errors as the GraphQL endpoint would. */
function download(
  deps: ExportDeps,
  build: (em: EntityManager, principal: Principal | null, req: Request, charge: (points: number) => Promise<void>) => Promise<{ name: string; csv: string }>,
): RequestHandler {
  return async (req: Request, res: Response) => {
    // Refusals too: a 401/404 answer is the caller's own, never for a shared cache.
    res.setHeader('cache-control', 'private, no-store');
    try {
      const em = deps.fork();
      const principal = await deps.principalFor(em, req);
      if (principal) requestLocals(res).apiKeyId = principal.apiKeyId;
      const charge = async (points: number) => {
        const { decision, refusal } = await payFor(deps.rateLimiter, rateSubject(principal, req.ip), points);
        if (decision) res.set(Object.fromEntries(rateLimitHeaders(decision)));
        if (refusal) throw refusal;
      };
      // Without credentials the answer is 401, paid for by the client address as a wrong key is.
      await charge(principal ? EXPORT_COST : 1);
      const { name, csv } = await build(em, principal, req, charge);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('content-disposition', `attachment; filename="${fileName(name)}.csv"`);
      res.type('text/csv; charset=utf-8').send(csv);
    } catch (error) {
      answerError(res, error);
    }
  };
}

function answerError(res: Response, error: unknown): void {
  if (error instanceof AccessError) return sendError(res, STATUS[error.code], error.code, error.message);
  const bad = error instanceof StatementTooLongError ? new BadInput('to', error.message) : error;
  if (bad instanceof BadInput) {
    res.status(400).json({ errors: [{ message: bad.message, extensions: { code: 'BAD_USER_INPUT', field: bad.field } }] });
    return;
  }
  if (error instanceof GraphQLError) {
    const { http, ...extensions } = error.extensions as { http?: { status?: number; headers?: Map<string, string> } };
    for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
    res.status(http?.status ?? 400).json({ errors: [{ message: error.message, extensions }] });
    return;
  }
  if (isDatabaseUnavailable(error)) {
    res.setHeader('retry-after', '5');
    return sendError(res, 503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry');
  }
  requestLocals(res).logger.error({ err: error }, 'unexpected error');
  sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
}

async function contractsOfSpike(em: EntityManager, principal: Principal | null, spikeId: string) {
  const all = [];
  for (let after: string | null = null; ;) {
    const page = await listContracts(em, principal, { spikeId }, { first: 100, after });
    all.push(...page.items);
    if (!page.hasNextPage) return all;
    after = page.items.at(-1)!.id;
  }
}

export function exportRoutes(deps: ExportDeps): Router {
  const router = Router();
  router.get(
    '/routing-plan/:file',
    download(deps, async (em, principal, req) => {
      const spikeId = uuidParam(String(req.params.file).replace(/\.csv$/, ''), 'spikeId');
      const plan = await getRoutingPlan(em, principal, spikeId);
      if (!plan) throw new AccessError('NOT_FOUND', `Demand spike ${spikeId} has not cleared yet: it has no routing plan`);
      return { name: `routing-plan-${spikeId}`, csv: routingPlanDownloadCsv(plan) };
    }),
  );
  router.get(
    '/awards/:file',
    download(deps, async (em, principal, req) => {
      const spikeId = uuidParam(String(req.params.file).replace(/\.csv$/, ''), 'spikeId');
      const view = await getClearingResult(em, principal, spikeId);
      if (!view) throw new AccessError('NOT_FOUND', `Demand spike ${spikeId} has not cleared yet: it has no awards`);
      const [spike, contracts, names] = await Promise.all([
        spikeForBrand(em, principal, spikeId),
        contractsOfSpike(em, principal, spikeId),
        organizationsByIds(
          em,
          principal,
          view.awards.map((a) => a.vendorId),
        ),
      ]);
      const csv = awardsCsv({
        spike,
        awards: view.awards,
        vendorNames: new Map([...names].map(([id, o]) => [id, o.name])),
        contractsByBid: new Map(contracts.map((c) => [c.bidId, c])),
      });
      return { name: `awards-${spikeId}`, csv };
    }),
  );
  router.get(
    '/statement.csv',
    download(deps, async (em, principal, req, charge) => {
      const accountId = uuidParam(req.query.accountId, 'accountId');
      const from = instantParam(req.query.from, 'from');
      const to = instantParam(req.query.to, 'to');
      if (to.getTime() <= from.getTime()) throw new BadInput('to', '`to` must be after `from`');
      // Priced by its length (the first EXPORT_COST is paid), and bounded: a longer period is asked for in parts.
      const entries = await statementEntryCount(em, await statementSummary(em, principal, accountId, from, to));
      if (entries > MAX_STATEMENT_ENTRIES) throw new BadInput('to', new StatementTooLongError(entries).message);
      const more = Math.ceil(entries / STATEMENT_ROWS_PER_COST) - 1;
      if (more > 0) await charge(more * EXPORT_COST);
      const statement = await accountStatement(em, principal, accountId, from, to);
      const owner = (await organizationsByIds(em, principal, [statement.account.organizationId])).get(statement.account.organizationId);
      const day = (d: Date) => d.toISOString().slice(0, 10);
      return { name: `statement-${accountId}-${day(from)}-${day(to)}`, csv: statementDownloadCsv(statement, owner?.name ?? '') };
    }),
  );
  router.get(
    '/invoices/:file',
    download(deps, async (em, principal, req) => {
      const invoiceId = uuidParam(String(req.params.file).replace(/\.csv$/, ''), 'invoiceId');
      const { invoice, lines } = await getInvoice(em, principal, invoiceId);
      const names = await organizationsByIds(em, principal, [invoice.vendorId, invoice.brandId]);
      const csv = invoiceDownloadCsv(invoice, lines, new Map([...names].map(([id, o]) => [id, o.name])));
      return { name: `invoice-${invoice.vendorId}-${invoice.number}`, csv };
    }),
  );
  return router;
}

import { inWorld } from '../sandbox/world.js';
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OrganizationSchema } from '../../persistence/entities/access.js';
import { WebhookEndpointSchema, type WebhookEndpoint } from '../../persistence/entities/webhooks.js';
import { requireRole, type OrganizationKind, type Principal } from '../access/principal.js';
import { EVENT_TYPES, isEventType, type EventType } from '../events/event-types.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import type { SecretBox } from './secret-box.js';
import { webhookUrlProblem, type WebhookUrlPolicy } from './url-policy.js';

/** Event types that can ever reach an organisation of each kind (the operator sees every event). */
export const EVENT_TYPES_BY_KIND: Record<OrganizationKind, readonly EventType[]> = {
  OPERATOR: EVENT_TYPES,
  BRAND: ['contract.settled'],
  VENDOR: ['demand_spike.posted', 'bid.outcome', 'contract.settled'],
  AUDITOR: [],
};

/** Active endpoints one organisation may hold: enough for several systems, bounded fan-out per event. */
export const MAX_ACTIVE_ENDPOINTS = 20;

export interface RegisterWebhookEndpointCommand {
  /** Defaults to the caller's organisation; only the operator may name another. */
  organizationId?: string | null;
  url: string;
  eventTypes: string[];
  description?: string | null;
}

export interface RegisteredEndpoint {
  endpoint: WebhookEndpoint;
  /** The signing secret: returned once, stored only encrypted. */
  secret: string;
}

/** The caller's own organisation, or any for the operator; FORBIDDEN otherwise (as for API keys). */
function organizationFor(actor: Principal, organizationId: string | null | undefined): string {
  const id = organizationId ?? actor.organizationId;
  if (actor.role !== 'OPERATOR' && id !== actor.organizationId) {
    throw new AccessError('FORBIDDEN', 'A key manages webhooks of its own organisation only');
  }
  return id;
}

/**
 * Registers a webhook endpoint for an organisation (its BRAND, VENDOR or FINANCE keys, or the
 * operator) and returns its signing secret, once. Refuses a URL that is not absolute https (see
 * url-policy.ts), an unknown event type, and event types that can never reach this kind of
 * organisation. Nothing is written on refusal.
 */
export async function registerWebhookEndpoint(
  em: EntityManager,
  clock: Clock,
  actor: Principal | null,
  secrets: SecretBox,
  policy: WebhookUrlPolicy,
  cmd: RegisterWebhookEndpointCommand,
): Promise<Result<RegisteredEndpoint>> {
  const p = requireRole(actor, 'OPERATOR', 'BRAND', 'VENDOR', 'FINANCE');
  const organizationId = organizationFor(p, cmd.organizationId);
  const org = await em.findOne(OrganizationSchema, { id: organizationId, sandboxId: p.sandboxId ?? null });
  if (!org) throw new AccessError('NOT_FOUND', `No organisation ${organizationId}`);

  const url = cmd.url.trim();
  const problem = webhookUrlProblem(url, policy);
  if (problem) return fail('VALIDATION', problem, 'input.url');
  if (!cmd.eventTypes.length) return fail('VALIDATION', `Name at least one event type (${EVENT_TYPES.join(', ')})`, 'input.eventTypes');
  const allowed = EVENT_TYPES_BY_KIND[org.kind];
  for (const [i, type] of cmd.eventTypes.entries()) {
    if (!isEventType(type)) return fail('VALIDATION', `Unknown event type "${type.slice(0, 50)}"; known: ${EVENT_TYPES.join(', ')}`, `input.eventTypes[${i}]`);
    if (!allowed.includes(type))
      return fail('VALIDATION', `${type} events never reach a ${org.kind} organisation (possible: ${allowed.join(', ')})`, `input.eventTypes[${i}]`);
  }
  // Counted here for the common case; the guarantee under concurrent registrations is the
  // database's (Migration20261207121000, 240000), whose refusal is answered the same way below.
  // A sandbox's organisations share one count: six organisations must not bring six caps.
  if ((await activeEndpoints(em, org)) >= MAX_ACTIVE_ENDPOINTS) return tooManyEndpoints();

  const id = uuidv7();
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const endpoint = em.create(WebhookEndpointSchema, {
    id,
    organizationId,
    url,
    eventTypes: [...new Set(cmd.eventTypes)].sort(),
    description: cmd.description?.trim() || null,
    secretCiphertext: secrets.seal(secret, id),
    secretHint: secret.slice(0, 10),
    status: 'ACTIVE',
    createdByKeyId: p.apiKeyId || null,
    createdAt: clock.now(),
    disabledAt: null,
  });
  try {
    await em.flush();
  } catch (error) {
    if (!isActiveLimitViolation(error)) throw error;
    em.clear();
    return tooManyEndpoints();
  }
  return ok({ endpoint, secret });
}

async function activeEndpoints(em: EntityManager, org: { id: string; sandboxId: string | null }): Promise<number> {
  if (!org.sandboxId) return em.count(WebhookEndpointSchema, { organizationId: org.id, status: 'ACTIVE' });
  const [row] = await em.execute<{ n: string }[]>(
    `select count(*)::text as n from webhook_endpoint e join organization o on o.id = e.organization_id where o.sandbox_id = ? and e.status = 'ACTIVE'`,
    [org.sandboxId],
  );
  return Number(row!.n);
}

function tooManyEndpoints<T>(): Result<T> {
  return fail(
    'VALIDATION',
    `An organisation (a sandbox: all its organisations together) has at most ${MAX_ACTIVE_ENDPOINTS} active endpoints; disable one first`,
    'input.url',
  );
}

/** The database's refusal of an endpoint beyond the limit (the trigger names this constraint). */
function isActiveLimitViolation(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { constraint?: unknown }).constraint === 'webhook_endpoint_active_limit') return true;
  }
  return /webhook_endpoint_active_limit|active webhook endpoints/.test(String((error as Error)?.message));
}

/** An endpoint the caller may manage: its own organisation's, or any for the operator; NOT_FOUND otherwise. */
export async function getWebhookEndpoint(em: EntityManager, actor: Principal | null, endpointId: string): Promise<WebhookEndpoint> {
  const p = requireRole(actor, 'OPERATOR', 'BRAND', 'VENDOR', 'FINANCE');
  const endpoint = await em.findOne(WebhookEndpointSchema, { id: endpointId, ...inWorld('organization_id', p) });
  if (!endpoint || (p.role !== 'OPERATOR' && endpoint.organizationId !== p.organizationId)) {
    throw new AccessError('NOT_FOUND', `No webhook endpoint ${endpointId}`);
  }
  return endpoint;
}

/**
 * Disables an endpoint: nothing more is sent to it, including retries already scheduled.
 * Disabling twice is harmless. There is no re-enabling: register the URL again for a new secret.
 */
export async function disableWebhookEndpoint(em: EntityManager, clock: Clock, actor: Principal | null, endpointId: string): Promise<WebhookEndpoint> {
  const endpoint = await getWebhookEndpoint(em, actor, endpointId);
  if (endpoint.status === 'ACTIVE') {
    endpoint.status = 'DISABLED';
    endpoint.disabledAt = clock.now();
    await em.flush();
  }
  return endpoint;
}

/** Endpoints of the caller's organisation (the operator: of one organisation, or all), oldest first. */
export async function listWebhookEndpoints(
  em: EntityManager,
  actor: Principal | null,
  organizationId: string | null,
  page: PageRequest,
): Promise<Page<WebhookEndpoint>> {
  const p = requireRole(actor, 'OPERATOR', 'BRAND', 'VENDOR', 'FINANCE');
  const scope = p.role === 'OPERATOR' && !organizationId ? {} : { organizationId: organizationFor(p, organizationId) };
  const rows = await em.find(
    WebhookEndpointSchema,
    { ...scope, ...inWorld('organization_id', p), ...(page.after ? { id: { $gt: page.after } } : {}) },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}

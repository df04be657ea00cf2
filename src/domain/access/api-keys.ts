import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKeySchema, OrganizationSchema, type ApiKey } from '../../persistence/entities/access.js';
import { violatesConstraint } from '../../persistence/db-errors.js';
import { runStatement } from '../../persistence/statements.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { pgArray } from '../shared/sql.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { ROLES_BY_KIND, type Principal, type Role } from './principal.js';

/**
 * API keys look like `bx_<prefix>_<secret>`, and a sandbox organisation's like
 * `bx_test_<prefix>_<secret>` (visibly different, as Stripe's test keys are). The prefix
 * (8 characters) identifies the key in logs and lists; only the SHA-256 of the whole key is
 * stored, and a presented key is compared with it in constant time. The key is shown once.
 * A live-looking key of a sandbox organisation, or the reverse, never authenticates.
 */
const KEY_PATTERN = /^bx_(test_)?([a-z0-9]{8})_([A-Za-z0-9_-]{32,})$/;
export const TEST_KEY_PREFIX = 'bx_test_';
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(sandbox = false): { key: string; prefix: string } {
  const bytes = randomBytes(8);
  const prefix = Array.from(bytes, (b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { key: `${sandbox ? TEST_KEY_PREFIX : 'bx_'}${prefix}_${secret}`, prefix };
}

export function parseKey(key: string): { prefix: string; test: boolean } | null {
  const m = KEY_PATTERN.exec(key);
  return m ? { prefix: m[2]!, test: m[1] !== undefined } : null;
}

interface KeyRow {
  id: string;
  hash: string;
  role: Role;
  revoked_at: Date | null;
  organization_id: string;
  kind: Principal['organizationKind'];
  vendor_type: Principal['vendorType'];
  parent_brand_id: string | null;
  sandbox_id: string | null;
  clock_time: Date | string | null;
  sandbox_deleted: boolean | null;
}

/**
 * Resolves a presented key to its principal, or null when it is unknown, malformed or revoked.
 * Looks the key up on every request (no cache), so a revocation takes effect at once.
 */
export async function authenticate(em: EntityManager, presented: string): Promise<Principal | null> {
  const parsed = parseKey(presented);
  if (!parsed) return null;
  // A prepared statement: every request runs it, so PostgreSQL plans it once per connection.
  const rows = await runStatement<KeyRow>(
    em,
    `select k.id, k.hash, k.role, k.revoked_at, k.organization_id, o.kind, o.vendor_type, o.parent_brand_id,
            o.sandbox_id, x.clock_time, x.deleted_at is not null as sandbox_deleted
       from api_key k join organization o on o.id = k.organization_id left join sandbox x on x.id = o.sandbox_id
      where k.prefix = ?`,
    [parsed.prefix],
  );
  const row = rows[0];
  if (!row) return null;
  const expected = Buffer.from(row.hash, 'hex');
  const actual = Buffer.from(hashKey(presented), 'hex');
  if (!timingSafeEqual(expected, actual) || row.revoked_at !== null) return null;
  // A test key only for a sandbox organisation, a live key only for a live one, and never for a deleted sandbox.
  if (parsed.test !== (row.sandbox_id !== null) || row.sandbox_deleted) return null;
  return {
    apiKeyId: row.id,
    organizationId: row.organization_id,
    organizationKind: row.kind,
    role: row.role,
    vendorType: row.vendor_type,
    parentBrandId: row.parent_brand_id,
    sandboxId: row.sandbox_id,
    sandboxClockTime: row.clock_time === null ? null : new Date(row.clock_time),
  };
}

/**
 * Active (unrevoked) keys one organisation may hold: plenty for its systems, and a bound on what
 * one tenant can multiply, since connections, subscriptions and rate budgets are per key.
 */
export const MAX_ACTIVE_API_KEYS = 50;

/** Roles that manage keys (the operator anyone's, the others their own organisation's). */
const KEY_ADMINS: readonly Role[] = ['OPERATOR', 'BRAND', 'VENDOR'];

export interface IssuedKey {
  apiKey: ApiKey;
  /** The whole key: returned once, never stored. */
  secret: string;
}

/**
 * Issues a key to an organisation. The operator issues to anyone; a BRAND or VENDOR key issues
 * keys for its own organisation only; FINANCE and AUDITOR keys issue none (least privilege). The
 * role must fit the organisation's kind, so AUDITOR keys come from the operator only. An
 * organisation holds at most MAX_ACTIVE_API_KEYS active keys (a ValidationError on
 * `organizationId`; revoking one frees its place).
 */
export async function issueApiKey(
  em: EntityManager,
  clock: Clock,
  actor: Principal,
  cmd: { organizationId: string; role: Role; label: string },
  presetKey?: string,
): Promise<Result<IssuedKey>> {
  if (!KEY_ADMINS.includes(actor.role) || (actor.role !== 'OPERATOR' && actor.organizationId !== cmd.organizationId)) {
    throw new AccessError('FORBIDDEN', 'Only the operator, or the organisation itself, may issue its keys');
  }
  const org = await em.findOne(OrganizationSchema, { id: cmd.organizationId });
  // An organisation of another world does not exist for the caller (a sandbox's operator view issues only its sandbox's keys).
  if (!org || org.sandboxId !== (actor.sandboxId ?? null)) throw new AccessError('NOT_FOUND', `No organisation ${cmd.organizationId}`);
  if (!ROLES_BY_KIND[org.kind].includes(cmd.role)) {
    return fail('VALIDATION', `A ${org.kind} organisation cannot hold a ${cmd.role} key (allowed: ${ROLES_BY_KIND[org.kind].join(', ')})`, 'role');
  }
  // Counted here for the common case; under concurrent issues the database's trigger decides
  // (Migration20261207170000), and its refusal is answered the same way below.
  if ((await em.count(ApiKeySchema, { organizationId: org.id, revokedAt: null })) >= MAX_ACTIVE_API_KEYS) return tooManyKeys();
  const generated = presetKey ? { key: presetKey, prefix: parseKey(presetKey)!.prefix } : generateKey(org.sandboxId !== null);
  const apiKey = em.create(ApiKeySchema, {
    id: uuidv7(),
    organizationId: org.id,
    role: cmd.role,
    prefix: generated.prefix,
    hash: hashKey(generated.key),
    label: cmd.label,
    createdAt: clock.now(),
    revokedAt: null,
  });
  try {
    await em.flush();
  } catch (error) {
    if (!violatesConstraint(error, 'api_key_active_limit')) throw error;
    em.clear();
    return tooManyKeys();
  }
  return ok({ apiKey, secret: generated.key });
}

function tooManyKeys<T>(): Result<T> {
  return fail('VALIDATION', `An organisation holds at most ${MAX_ACTIVE_API_KEYS} active API keys; revoke one first`, 'organizationId');
}

/** Revokes a key; the next request with it is UNAUTHENTICATED. Revoking twice is harmless. */
export async function revokeApiKey(em: EntityManager, clock: Clock, actor: Principal, apiKeyId: string): Promise<ApiKey> {
  const key = await em.findOne(ApiKeySchema, { id: apiKeyId });
  const mayRevoke =
    key &&
    ((actor.role === 'OPERATOR' && (await sameWorld(em, actor, key.organizationId))) ||
      (KEY_ADMINS.includes(actor.role) && key.organizationId === actor.organizationId));
  if (!key || !mayRevoke) throw new AccessError('NOT_FOUND', `No API key ${apiKeyId} that this key may revoke`);
  if (!key.revokedAt) {
    key.revokedAt = clock.now();
    await em.flush();
  }
  return key;
}

/** A page of the keys of the caller's organisation (the operator may name any), oldest first. Hashes are never returned. */
export async function listApiKeys(em: EntityManager, actor: Principal, organizationId: string, page: PageRequest): Promise<Page<ApiKey>> {
  if (actor.role !== 'OPERATOR' && actor.organizationId !== organizationId) {
    throw new AccessError('FORBIDDEN', 'A key may only list its own organisation’s keys');
  }
  if (!(await sameWorld(em, actor, organizationId))) return { items: [], hasNextPage: false };
  const rows = await em.find(
    ApiKeySchema,
    { organizationId, ...(page.after ? { id: { $gt: page.after } } : {}) },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}

/** Whether the organisation is in the caller's world (live with live, a sandbox with itself). */
async function sameWorld(em: EntityManager, actor: Principal, organizationId: string): Promise<boolean> {
  const org = await em.findOne(OrganizationSchema, { id: organizationId });
  return !!org && org.sandboxId === (actor.sandboxId ?? null);
}

/** Whether a key still works (exists, not revoked): long-lived subscriptions check it per event. */
export async function apiKeyIsActive(em: EntityManager, apiKeyId: string): Promise<boolean> {
  return (await activeApiKeyIds(em, [apiKeyId])).has(apiKeyId);
}

/**
 * Which of these keys still work, in one read: an event fanned out to many subscriptions checks
 * all their keys at once (domain/events/fan-out.ts) instead of one read per subscription.
 */
export async function activeApiKeyIds(em: EntityManager, apiKeyIds: readonly string[]): Promise<Set<string>> {
  if (apiKeyIds.length === 0) return new Set();
  const rows = await em.execute<{ id: string }[]>('select id from api_key where id = any(?::uuid[]) and revoked_at is null', [pgArray(apiKeyIds)]);
  return new Set(rows.map((r) => r.id));
}

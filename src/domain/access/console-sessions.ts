/**
 * Web console sessions (PRODUCT.md section 14). A browser never keeps an API key: the key is
 * exchanged once for a random session token that the API sets as an HttpOnly cookie, or a
 * single-use sign-in link (15 minutes) is exchanged for one. Only SHA-256 hashes of tokens are
 * stored; the tokens carry 256 random bits, so looking them up by hash leaks nothing worth timing.
 *
 * A session acts with its key's authority and nothing more: every request resolves it by joining
 * the key (no cache), so revoking the key ends its sessions at their next request, and a session
 * past its expiry or signed out resolves to nobody.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { authenticate } from './api-keys.js';
import { authenticated, type Principal } from './principal.js';

/** How long a sign-in link may be used (PRODUCT.md section 14, issue 14). */
export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;
/** Default session lifetime: a working day (CONSOLE_SESSION_TTL_MS). */
export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;

const SESSION_TOKEN = /^bxs_[A-Za-z0-9_-]{43}$/;
const LINK_TOKEN = /^bxl_[A-Za-z0-9_-]{43}$/;

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = (kind: 'bxs' | 'bxl') => `${kind}_${randomBytes(32).toString('base64url')}`;

export interface StartedSession {
  /** The cookie value: shown to the browser once, stored only as a hash. */
  token: string;
  expiresAt: Date;
  principal: Principal;
}

async function insertSession(em: EntityManager, clock: Clock, principal: Principal, ttlMs: number): Promise<StartedSession> {
  const token = newToken('bxs');
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + ttlMs);
  await em.execute('insert into console_session (id, token_hash, api_key_id, created_at, expires_at) values (?, ?, ?, ?, ?)', [
    uuidv7(),
    tokenHash(token),
    principal.apiKeyId,
    now,
    expiresAt,
  ]);
  return { token, expiresAt, principal };
}

/** Exchanges an API key for a session; null when the key is malformed, unknown or revoked. */
export async function startSessionWithKey(em: EntityManager, clock: Clock, presentedKey: string, ttlMs: number): Promise<StartedSession | null> {
  const principal = await authenticate(em, presentedKey);
  return principal ? insertSession(em, clock, principal, ttlMs) : null;
}

/**
 * Exchanges a sign-in link for a session. The link is consumed by one conditional UPDATE, so of
 * two concurrent uses exactly one wins; an expired, used, unknown or malformed link, or one whose
 * key has been revoked since, gives null.
 */
export async function startSessionWithLink(em: EntityManager, clock: Clock, linkToken: string, ttlMs: number): Promise<StartedSession | null> {
  if (!LINK_TOKEN.test(linkToken)) return null;
  return em.transactional(async (tem) => {
    const now = clock.now();
    const consumed = await tem.execute<{ api_key_id: string }[]>(
      `update console_sign_in_link set consumed_at = ?
        where token_hash = ? and consumed_at is null and expires_at > ?
        returning api_key_id`,
      [now, tokenHash(linkToken), now],
    );
    const apiKeyId = consumed[0]?.api_key_id;
    if (!apiKeyId) return null;
    const principal = await principalOfKeyId(tem, apiKeyId);
    return principal ? insertSession(tem, clock, principal, ttlMs) : null;
  });
}

interface PrincipalRow {
  api_key_id: string;
  role: Principal['role'];
  organization_id: string;
  kind: Principal['organizationKind'];
  vendor_type: Principal['vendorType'];
  parent_brand_id: string | null;
  sandbox_id: string | null;
  clock_time: string | Date | null;
}

const toPrincipal = (r: PrincipalRow): Principal => ({
  apiKeyId: r.api_key_id,
  organizationId: r.organization_id,
  organizationKind: r.kind,
  role: r.role,
  vendorType: r.vendor_type,
  parentBrandId: r.parent_brand_id,
  sandboxId: r.sandbox_id,
  sandboxClockTime: r.clock_time === null ? null : new Date(r.clock_time),
});

async function principalOfKeyId(em: EntityManager, apiKeyId: string): Promise<Principal | null> {
  const rows = await em.execute<PrincipalRow[]>(
    `select k.id as api_key_id, k.role, k.organization_id, o.kind, o.vendor_type, o.parent_brand_id, o.sandbox_id, x.clock_time
       from api_key k join organization o on o.id = k.organization_id left join sandbox x on x.id = o.sandbox_id
      where k.id = ? and k.revoked_at is null and x.deleted_at is null`,
    [apiKeyId],
  );
  return rows[0] ? toPrincipal(rows[0]) : null;
}

/**
 * The principal a session cookie acts as, or null when the session is unknown, expired, signed
 * out, or its key is revoked. Read on every request, like `authenticate`.
 */
export async function sessionPrincipal(em: EntityManager, clock: Clock, token: string): Promise<Principal | null> {
  if (!SESSION_TOKEN.test(token)) return null;
  const rows = await em.execute<PrincipalRow[]>(
    `select k.id as api_key_id, k.role, k.organization_id, o.kind, o.vendor_type, o.parent_brand_id, o.sandbox_id, x.clock_time
       from console_session s
       join api_key k on k.id = s.api_key_id
       join organization o on o.id = k.organization_id
       left join sandbox x on x.id = o.sandbox_id
      where x.deleted_at is null and s.token_hash = ? and s.ended_at is null and s.expires_at > ? and k.revoked_at is null`,
    [tokenHash(token), clock.now()],
  );
  return rows[0] ? toPrincipal(rows[0]) : null;
}

/** Signs a session out; harmless for an unknown or already ended one. */
export async function endSession(em: EntityManager, clock: Clock, token: string): Promise<boolean> {
  if (!SESSION_TOKEN.test(token)) return false;
  const rows = await em.execute<{ id: string }[]>('update console_session set ended_at = ? where token_hash = ? and ended_at is null returning id', [
    clock.now(),
    tokenHash(token),
  ]);
  return rows.length > 0;
}

export interface SignInLink {
  /** The single-use token, to put in the link's fragment (never a query string: it would reach logs). */
  token: string;
  expiresAt: Date;
}

/**
 * A single-use sign-in link for the caller's own key, valid 15 minutes: any valid key may mint
 * one for itself (it grants nothing the key does not have, and dies with the key).
 */
export async function createSignInLink(em: EntityManager, clock: Clock, actor: Principal | null): Promise<SignInLink> {
  const p = authenticated(actor);
  const token = newToken('bxl');
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_TTL_MS);
  await em.execute('insert into console_sign_in_link (id, token_hash, api_key_id, created_at, expires_at) values (?, ?, ?, ?, ?)', [
    uuidv7(),
    tokenHash(token),
    p.apiKeyId,
    now,
    expiresAt,
  ]);
  return { token, expiresAt };
}

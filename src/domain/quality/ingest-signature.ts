import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationSchema } from '../../persistence/entities/access.js';
import type { IngestNonceSchema, IngestSecretSchema } from '../../persistence/entities/quality.js';
import type { RowOf } from '../../persistence/rows.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';

/**
 * Signed HTTP ingestion for systems that cannot speak GraphQL (PRODUCT.md section 8). A request
 * carries its organisation id, a Unix timestamp and `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
 * It is refused when the signature is wrong, when the timestamp is more than five minutes away
 * from the server's clock, and when the same signature was seen before (a replay).
 *
 * The secret must be recoverable to verify a signature, so unlike API keys it is stored as is;
 * it is shown once at rotation, and rotating replaces it at once.
 */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export function signIngestBody(secret: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export interface IssuedSecret {
  organizationId: string;
  secret: string;
  createdAt: Date;
}

/** Creates or replaces the calling organisation's ingestion secret (BRAND or OPERATOR keys). */
export async function rotateIngestSecret(em: EntityManager, clock: Clock, actor: Principal | null): Promise<IssuedSecret> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  const secret = `bxs_${randomBytes(32).toString('base64url')}`;
  const now = clock.now();
  await em.execute(
    `insert into ingest_secret (organization_id, secret, created_at) values (?, ?, ?)
     on conflict (organization_id) do update set secret = excluded.secret, created_at = excluded.created_at`,
    [p.organizationId, secret, now],
  );
  return { organizationId: p.organizationId, secret, createdAt: now };
}

export type SignatureCheck = { ok: true; principal: Principal } | { ok: false; code: 'UNAUTHENTICATED' | 'STALE_TIMESTAMP' | 'REPLAYED'; message: string };

export interface SignedRequest {
  organizationId: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer;
}

const HEX_SIGNATURE = /^v1=([0-9a-f]{64})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Verifies a signed request and records its signature so it cannot be replayed. Call inside the
 * transaction that processes the request: if processing fails, the signature is not spent.
 * The caller acts with its organisation's own role (BRAND, or OPERATOR for the operator).
 */
export async function verifySignedRequest(em: EntityManager, clock: Clock, req: SignedRequest): Promise<SignatureCheck> {
  const unauthenticated = { ok: false, code: 'UNAUTHENTICATED', message: 'Missing or invalid signature' } as const;
  const match = HEX_SIGNATURE.exec(req.signature ?? '');
  if (!match || !req.organizationId || !UUID.test(req.organizationId) || !/^\d{1,12}$/.test(req.timestamp ?? '')) return unauthenticated;
  const [row] = await em.execute<
    (Pick<RowOf<typeof IngestSecretSchema>, 'secret'> & Pick<RowOf<typeof OrganizationSchema>, 'kind' | 'status' | 'sandbox_id'>)[]
  >(`select s.secret, o.kind, o.status, o.sandbox_id from ingest_secret s join organization o on o.id = s.organization_id where s.organization_id = ?`, [
    req.organizationId,
  ]);
  if (!row || row.kind === 'VENDOR') return unauthenticated;
  const expected = Buffer.from(signIngestBody(row.secret, req.timestamp!, req.body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'))) return unauthenticated;
  const now = clock.now();
  if (Math.abs(now.getTime() - Number(req.timestamp) * 1000) > SIGNATURE_TOLERANCE_MS) {
    return { ok: false, code: 'STALE_TIMESTAMP', message: 'The timestamp is more than five minutes from the server’s clock' };
  }
  // Signatures older than the tolerance can never verify again, so only those need remembering.
  await em.execute('delete from ingest_nonce where received_at < ?', [new Date(now.getTime() - 2 * SIGNATURE_TOLERANCE_MS)]);
  const inserted = await em.execute<Pick<RowOf<typeof IngestNonceSchema>, 'signature'>[]>(
    'insert into ingest_nonce (signature, organization_id, received_at) values (?, ?, ?) on conflict do nothing returning signature',
    [match[1], req.organizationId, now],
  );
  if (inserted.length === 0) return { ok: false, code: 'REPLAYED', message: 'This request was already received' };
  return {
    ok: true,
    principal: {
      apiKeyId: '',
      organizationId: req.organizationId,
      organizationKind: row.kind,
      role: row.kind,
      vendorType: null,
      parentBrandId: null,
      sandboxId: row.sandbox_id,
    },
  };
}

import { canonicalJson, sha256Hex } from '../shared/canonical-json.js';
import { isUuid } from '../shared/ids.js';
import { eventValueProblem, type QualityEventKind } from './scoring.js';

export const MAX_EVENTS_PER_BATCH = 5_000;
/** Clocks disagree a little; an event further in the future than this is refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Older events would weigh nothing after decay; refusing them catches unit mistakes (ms vs s). */
const MAX_AGE_MS = 2 * 365 * 86_400_000;

export type AuditResult = 'PASS' | 'CONDITIONAL' | 'FAIL';
export const EVENT_KINDS: readonly QualityEventKind[] = ['CSAT', 'QA_SCORE', 'FCR', 'ESCALATION', 'COMPLAINT', 'AUDIT'];
const AUDIT_RESULTS: readonly AuditResult[] = ['PASS', 'CONDITIONAL', 'FAIL'];

/** One event as submitted (PRODUCT.md section 8). */
export interface QualityEventInput {
  externalId: string;
  kind: QualityEventKind;
  vendorId: string;
  contractId?: string | null;
  skill?: string | null;
  occurredAt?: Date | null;
  /** CSAT 1–5, QA_SCORE 0–100. */
  score?: number | null;
  /** FCR: resolved at first contact. */
  resolved?: boolean | null;
  auditResult?: AuditResult | null;
  notes?: string | null;
}

export type RejectionCode =
  | 'INVALID_FIELD'
  | 'INVALID_VALUE'
  | 'INVALID_TIME'
  | 'UNKNOWN_VENDOR'
  /** No longer produced: every rating names a contract (CONTRACT_REQUIRED, CONTRACT_MISMATCH). */
  | 'NO_CONTRACT_WITH_VENDOR'
  | 'CONTRACT_MISMATCH'
  | 'SELF_RATING'
  | 'DUPLICATE_IN_BATCH'
  | 'EXTERNAL_ID_REUSED'
  | 'KIND_NOT_PERMITTED'
  | 'CONTRACT_REQUIRED'
  | 'IN_HOUSE_NOT_RATED'
  | 'OUTSIDE_CONTRACT_PERIOD'
  | 'EXCEEDS_CONTACTS_HANDLED'
  | 'SKILL_NOT_IN_CONTRACT';

export interface Rejection {
  code: RejectionCode;
  message: string;
  /** The field of the event, e.g. "score"; receipts prefix it with the event's path. */
  field: string;
}

const SKILL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function payloadHashOf(e: QualityEventInput): string {
  return sha256Hex(
    canonicalJson({
      kind: e.kind,
      vendorId: e.vendorId,
      contractId: e.contractId ?? null,
      skill: e.skill ?? null,
      occurredAt: e.occurredAt ?? null,
      score: e.score ?? null,
      resolved: e.resolved ?? null,
      auditResult: e.auditResult ?? null,
      notes: e.notes ?? null,
    }),
  );
}

/**
 * Checks that need no database: field shapes, the value's range for its kind, and the time (never
 * more than five minutes of clock skew in the future, at most two years old).
 */
export function shapeProblem(e: QualityEventInput, now: Date): Rejection | null {
  if (typeof e !== 'object' || e === null) return { code: 'INVALID_FIELD', message: 'Each event is an object', field: 'externalId' };
  if (typeof e.externalId !== 'string' || e.externalId.length < 1 || e.externalId.length > 200) {
    return { code: 'INVALID_FIELD', message: 'externalId is 1 to 200 characters', field: 'externalId' };
  }
  if (!EVENT_KINDS.includes(e.kind)) return { code: 'INVALID_FIELD', message: `kind is one of ${EVENT_KINDS.join(', ')}`, field: 'kind' };
  if (typeof e.vendorId !== 'string' || !isUuid(e.vendorId)) return { code: 'INVALID_FIELD', message: 'vendorId is a UUID', field: 'vendorId' };
  if (e.contractId != null && (typeof e.contractId !== 'string' || !isUuid(e.contractId)))
    return { code: 'INVALID_FIELD', message: 'contractId is a UUID', field: 'contractId' };
  if (e.skill != null && (typeof e.skill !== 'string' || !SKILL.test(e.skill)))
    return { code: 'INVALID_FIELD', message: 'skill is a tag of letters, digits, "_", "." or "-" (at most 64)', field: 'skill' };
  if (e.notes != null && (typeof e.notes !== 'string' || e.notes.length > 2_000))
    return { code: 'INVALID_FIELD', message: 'notes are at most 2,000 characters', field: 'notes' };
  if (e.occurredAt != null) {
    const t = e.occurredAt instanceof Date ? e.occurredAt.getTime() : Number.NaN;
    if (!Number.isFinite(t) || t > now.getTime() + MAX_CLOCK_SKEW_MS || t < now.getTime() - MAX_AGE_MS) {
      return {
        code: 'INVALID_TIME',
        message: 'occurredAt must be a time in the last two years, not in the future (5 minutes of clock skew allowed)',
        field: 'occurredAt',
      };
    }
  }
  if (e.kind === 'AUDIT') {
    if (!e.auditResult || !AUDIT_RESULTS.includes(e.auditResult))
      return { code: 'INVALID_VALUE', message: 'An AUDIT needs auditResult PASS, CONDITIONAL or FAIL', field: 'auditResult' };
  } else if (e.auditResult != null) {
    return { code: 'INVALID_VALUE', message: 'Only AUDIT events carry auditResult', field: 'auditResult' };
  }
  if (e.score != null && typeof e.score !== 'number') return { code: 'INVALID_VALUE', message: 'score is a number', field: 'score' };
  if (e.resolved != null && typeof e.resolved !== 'boolean') return { code: 'INVALID_VALUE', message: 'resolved is true or false', field: 'resolved' };
  if (e.kind !== 'FCR' && e.resolved != null) return { code: 'INVALID_VALUE', message: 'Only FCR events carry `resolved`', field: 'resolved' };
  const problem = eventValueProblem({ kind: e.kind, value: valueOf(e) });
  if (problem) return { code: 'INVALID_VALUE', message: problem, field: e.kind === 'FCR' ? 'resolved' : 'score' };
  return null;
}

export function valueOf(e: QualityEventInput): number | null {
  if (e.kind === 'FCR') return e.resolved == null ? null : e.resolved ? 1 : 0;
  return e.score ?? null;
}

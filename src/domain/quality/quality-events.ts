import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole, type Principal } from '../access/principal.js';
import { canonicalJson, sha256Hex } from '../shared/canonical-json.js';
import type { Clock } from '../shared/clock.js';
import { isUuid, uuidv7 } from '../shared/ids.js';
import { pgArray } from '../shared/sql.js';
import { fail, ok, type Result } from '../shared/result.js';
import { channelScope, eventValueProblem, observationOf, skillScope, type AuditState, type QualityEventKind } from './scoring.js';

export const MAX_EVENTS_PER_BATCH = 5_000;
/** Clocks disagree a little; an event further in the future than this is refused. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
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
  | 'NO_CONTRACT_WITH_VENDOR'
  | 'CONTRACT_MISMATCH'
  | 'SELF_RATING'
  | 'DUPLICATE_IN_BATCH'
  | 'EXTERNAL_ID_REUSED';

export interface EventReceipt {
  index: number;
  externalId: string;
  status: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  /** The stored event (for ACCEPTED and DUPLICATE). */
  eventId: string | null;
  rejection: { code: RejectionCode; message: string; field: string } | null;
}

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  rejected: number;
  receipts: EventReceipt[];
  /** Vendors whose data changed: their scores are due for recomputation. */
  vendorIds: string[];
}

interface Checked {
  index: number;
  input: QualityEventInput;
  id: string;
  payloadHash: string;
  value: number | null;
  occurredAt: Date;
  scopes: string[];
}

const SKILL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function payloadHashOf(e: QualityEventInput): string {
  return sha256Hex(canonicalJson({
    kind: e.kind, vendorId: e.vendorId, contractId: e.contractId ?? null, skill: e.skill ?? null, occurredAt: e.occurredAt ?? null,
    score: e.score ?? null, resolved: e.resolved ?? null, auditResult: e.auditResult ?? null, notes: e.notes ?? null,
  }));
}

/** Checks that need no database: field shapes and the value's range for its kind. */
function shapeProblem(e: QualityEventInput, now: Date): { code: RejectionCode; message: string; field: string } | null {
  if (typeof e !== 'object' || e === null) return { code: 'INVALID_FIELD', message: 'Each event is an object', field: 'externalId' };
  if (typeof e.externalId !== 'string' || e.externalId.length < 1 || e.externalId.length > 200) {
    return { code: 'INVALID_FIELD', message: 'externalId is 1 to 200 characters', field: 'externalId' };
  }
  if (!EVENT_KINDS.includes(e.kind)) return { code: 'INVALID_FIELD', message: `kind is one of ${EVENT_KINDS.join(', ')}`, field: 'kind' };
  if (typeof e.vendorId !== 'string' || !isUuid(e.vendorId)) return { code: 'INVALID_FIELD', message: 'vendorId is a UUID', field: 'vendorId' };
  if (e.contractId != null && (typeof e.contractId !== 'string' || !isUuid(e.contractId))) return { code: 'INVALID_FIELD', message: 'contractId is a UUID', field: 'contractId' };
  if (e.skill != null && (typeof e.skill !== 'string' || !SKILL.test(e.skill))) return { code: 'INVALID_FIELD', message: 'skill is a tag of letters, digits, "_", "." or "-" (at most 64)', field: 'skill' };
  if (e.notes != null && (typeof e.notes !== 'string' || e.notes.length > 2_000)) return { code: 'INVALID_FIELD', message: 'notes are at most 2,000 characters', field: 'notes' };
  if (e.occurredAt != null) {
    const t = e.occurredAt instanceof Date ? e.occurredAt.getTime() : Number.NaN;
    if (!Number.isFinite(t) || t > now.getTime() + MAX_CLOCK_SKEW_MS || t < now.getTime() - MAX_AGE_MS) {
      return { code: 'INVALID_TIME', message: 'occurredAt must be a time in the last two years, not in the future', field: 'occurredAt' };
    }
  }
  if (e.kind === 'AUDIT') {
    if (!e.auditResult || !AUDIT_RESULTS.includes(e.auditResult)) return { code: 'INVALID_VALUE', message: 'An AUDIT needs auditResult PASS, CONDITIONAL or FAIL', field: 'auditResult' };
  } else if (e.auditResult != null) {
    return { code: 'INVALID_VALUE', message: 'Only AUDIT events carry auditResult', field: 'auditResult' };
  }
  if (e.score != null && typeof e.score !== 'number') return { code: 'INVALID_VALUE', message: 'score is a number', field: 'score' };
  if (e.resolved != null && typeof e.resolved !== 'boolean') return { code: 'INVALID_VALUE', message: 'resolved is true or false', field: 'resolved' };
  if (e.kind !== 'FCR' && e.resolved != null) return { code: 'INVALID_VALUE', message: 'Only FCR events carry `resolved`', field: 'resolved' };
  const value = valueOf(e);
  const problem = eventValueProblem({ kind: e.kind, value });
  if (problem) return { code: 'INVALID_VALUE', message: problem, field: e.kind === 'FCR' ? 'resolved' : 'score' };
  return null;
}

function valueOf(e: QualityEventInput): number | null {
  if (e.kind === 'FCR') return e.resolved == null ? null : e.resolved ? 1 : 0;
  return e.score ?? null;
}

interface ContractFacts { id: string; brand_id: string; vendor_id: string; required_skills: string[]; channel: string }

/**
 * Records a batch of quality events (PRODUCT.md section 8) from a brand (about vendors it has
 * contracts with) or the operator (about any vendor). Each event is judged on its own: invalid
 * ones are refused with a reason while the valid ones are stored, in one transaction, together
 * with the observations they add and any audit state change. A resubmitted external id with the
 * same content is a DUPLICATE (harmless); with different content it is refused.
 *
 * Only an empty or oversized batch fails as a whole.
 */
export async function recordQualityEvents(
  em: EntityManager, clock: Clock, actor: Principal | null, events: readonly QualityEventInput[], source: 'GRAPHQL' | 'HTTP',
): Promise<Result<IngestOutcome>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  if (events.length === 0 || events.length > MAX_EVENTS_PER_BATCH) {
    return fail('VALIDATION', `Send 1 to ${MAX_EVENTS_PER_BATCH} events`, 'events');
  }
  const now = clock.now();
  const receipts: EventReceipt[] = events.map((e, index) => ({ index, externalId: String(e?.externalId ?? ''), status: 'REJECTED', eventId: null, rejection: null }));
  const reject = (i: number, code: RejectionCode, message: string, field: string) => {
    receipts[i]!.rejection = { code, message, field: `events[${i}].${field}` };
  };

  const seen = new Set<string>();
  const candidates: { index: number; input: QualityEventInput }[] = [];
  for (const [index, input] of events.entries()) {
    const problem = shapeProblem(input, now);
    if (problem) { reject(index, problem.code, problem.message, problem.field); continue; }
    if (seen.has(input.externalId)) { reject(index, 'DUPLICATE_IN_BATCH', 'This externalId appears earlier in the batch', 'externalId'); continue; }
    seen.add(input.externalId);
    candidates.push({ index, input });
  }

  const outcome = await em.transactional(async (tem) => {
    const vendorIds = [...new Set(candidates.map((c) => c.input.vendorId))];
    const contractIds = [...new Set(candidates.flatMap((c) => (c.input.contractId ? [c.input.contractId] : [])))];
    const [vendors, contracts, partners, existing] = await Promise.all([
      tem.execute<{ id: string }[]>(`select id from organization where kind = 'VENDOR' and id = any(?::uuid[])`, [pgArray(vendorIds)]),
      tem.execute<ContractFacts[]>(
        `select c.id, c.brand_id, c.vendor_id, s.required_skills, s.channel from contract c join demand_spike s on s.id = c.spike_id where c.id = any(?::uuid[])`,
        [pgArray(contractIds)],
      ),
      p.role === 'BRAND'
        ? tem.execute<{ vendor_id: string }[]>(`select distinct vendor_id from contract where brand_id = ? and vendor_id = any(?::uuid[])`, [p.organizationId, pgArray(vendorIds)])
        : Promise.resolve([]),
      tem.execute<{ id: string; external_id: string; payload_hash: string }[]>(
        `select id, external_id, payload_hash from quality_event where submitted_by = ? and external_id = any(?::text[])`,
        [p.organizationId, pgArray(candidates.map((c) => c.input.externalId))],
      ),
    ]);
    const isVendor = new Set(vendors.map((v) => v.id));
    const contractById = new Map(contracts.map((c) => [c.id, c]));
    const partner = new Set(partners.map((r) => r.vendor_id));
    const stored = new Map(existing.map((e) => [e.external_id, e]));

    const accepted: Checked[] = [];
    for (const { index, input } of candidates) {
      const hash = payloadHashOf(input);
      const previous = stored.get(input.externalId);
      if (previous) {
        if (previous.payload_hash === hash) Object.assign(receipts[index]!, { status: 'DUPLICATE', eventId: previous.id });
        else reject(index, 'EXTERNAL_ID_REUSED', 'This externalId was already used for a different event', 'externalId');
        continue;
      }
      if (input.vendorId === p.organizationId) { reject(index, 'SELF_RATING', 'An organisation cannot rate itself', 'vendorId'); continue; }
      if (!isVendor.has(input.vendorId)) { reject(index, 'UNKNOWN_VENDOR', `No vendor ${input.vendorId}`, 'vendorId'); continue; }
      const contract = input.contractId ? contractById.get(input.contractId) : undefined;
      if (input.contractId && (!contract || contract.vendor_id !== input.vendorId || (p.role === 'BRAND' && contract.brand_id !== p.organizationId))) {
        reject(index, 'CONTRACT_MISMATCH', 'The contract is not one between this brand and this vendor', 'contractId');
        continue;
      }
      if (p.role === 'BRAND' && !partner.has(input.vendorId)) {
        reject(index, 'NO_CONTRACT_WITH_VENDOR', 'A brand rates only vendors it has contracts with', 'vendorId');
        continue;
      }
      const skills = input.skill ? [input.skill] : (contract?.required_skills ?? []);
      accepted.push({
        index, input, id: uuidv7(now.getTime()), payloadHash: hash, value: valueOf(input), occurredAt: input.occurredAt ?? now,
        scopes: [...skills.map(skillScope), ...(contract ? [channelScope(contract.channel)] : [])],
      });
    }
    if (accepted.length === 0) return { accepted, written: [] };

    const inserted = await tem.execute<{ id: string }[]>(
      `insert into quality_event (id, submitted_by, vendor_id, contract_id, kind, value, audit_result, notes, skill, occurred_at, external_id, payload_hash, source, received_at)
       select x.id, ?, x.vendor_id, x.contract_id, x.kind, x.value, x.audit_result, x.notes, x.skill, x.occurred_at, x.external_id, x.payload_hash, ?, ?
         from json_to_recordset(?::json) as x(id uuid, vendor_id uuid, contract_id uuid, kind text, value double precision, audit_result text,
                                             notes text, skill text, occurred_at timestamptz, external_id text, payload_hash text)
       on conflict (submitted_by, external_id) do nothing
       returning id`,
      [p.organizationId, source, now, JSON.stringify(accepted.map((a) => ({
        id: a.id, vendor_id: a.input.vendorId, contract_id: a.input.contractId ?? null, kind: a.input.kind, value: a.value,
        audit_result: a.input.auditResult ?? null, notes: a.input.notes ?? null, skill: a.input.skill ?? null,
        occurred_at: a.occurredAt.toISOString(), external_id: a.input.externalId, payload_hash: a.payloadHash,
      })))],
    );
    const won = new Set(inserted.map((r) => r.id));
    const written = accepted.filter((a) => won.has(a.id));

    const observations = written.flatMap((a) => {
      const o = observationOf({ kind: a.input.kind, value: a.value });
      return o ? [{ id: uuidv7(now.getTime()), vendor_id: a.input.vendorId, metric: o.metric, scopes: a.scopes, amount: o.amount, weight: o.weight, observed_at: a.occurredAt.toISOString(), event_id: a.id }] : [];
    });
    if (observations.length) {
      await tem.execute(
        `insert into quality_observation (id, vendor_id, metric, scopes, amount, weight, observed_at, recorded_at, event_id)
         select x.id, x.vendor_id, x.metric, x.scopes, x.amount, x.weight, x.observed_at, ?, x.event_id
           from json_to_recordset(?::json) as x(id uuid, vendor_id uuid, metric text, scopes text[], amount double precision, weight double precision, observed_at timestamptz, event_id uuid)`,
        [now, JSON.stringify(observations)],
      );
    }
    await applyAudits(tem, written, now);
    return { accepted, written };
  });

  const written = new Set(outcome.written.map((a) => a.id));
  for (const a of outcome.accepted) {
    // Not written: a concurrent submission of the same external id stored it first.
    Object.assign(receipts[a.index]!, written.has(a.id) ? { status: 'ACCEPTED', eventId: a.id } : { status: 'DUPLICATE' });
  }
  const count = (s: EventReceipt['status']) => receipts.filter((r) => r.status === s).length;
  return ok({
    accepted: count('ACCEPTED'), duplicates: count('DUPLICATE'), rejected: count('REJECTED'), receipts,
    vendorIds: [...new Set(outcome.written.map((a) => a.input.vendorId))],
  });
}

/**
 * A vendor's audit state after its audits, taken in occurrence order (PRODUCT.md section 9): FAIL
 * suspends until a later PASS, so a CONDITIONAL after a FAIL leaves the vendor suspended; otherwise
 * CONDITIONAL discounts the score and PASS clears both. Returns the state and the position of the
 * audit that set it (-1 with state NONE when there are none).
 */
export function auditStateAfter(results: readonly AuditResult[]): { state: AuditState; decidedBy: number } {
  let state: AuditState = 'NONE';
  let decidedBy = -1;
  results.forEach((result, i) => {
    if (result === 'CONDITIONAL' && state === 'FAIL') return;
    state = result;
    decidedBy = i;
  });
  return { state, decidedBy };
}

/**
 * Sets the audit state of every vendor with a new audit from its whole audit history, so an audit
 * that arrives late (older than the newest) still takes its place in the order. Concurrent
 * ingestions for one vendor are serialised by a transaction-scoped advisory lock taken before the
 * history is read: the second sees the first's committed audits.
 */
async function applyAudits(em: EntityManager, written: Checked[], now: Date): Promise<void> {
  const vendors = [...new Set(written.filter((a) => a.input.kind === 'AUDIT').map((a) => a.input.vendorId))].sort();
  if (vendors.length === 0) return;
  await em.execute(
    `select pg_advisory_xact_lock(hashtextextended('vendor_audit:' || s.v::text, 0)) from (select v from unnest(?::uuid[]) as v order by v) s`,
    [pgArray(vendors)],
  );
  const audits = await em.execute<{ vendor_id: string; id: string; audit_result: AuditResult; occurred_at: Date; notes: string | null }[]>(
    `select vendor_id, id, audit_result, occurred_at, notes from quality_event
      where kind = 'AUDIT' and vendor_id = any(?::uuid[]) order by vendor_id, occurred_at, id`,
    [pgArray(vendors)],
  );
  const rows = vendors.flatMap((vendorId) => {
    const own = audits.filter((a) => a.vendor_id === vendorId);
    const { state, decidedBy } = auditStateAfter(own.map((a) => a.audit_result));
    const decisive = own[decidedBy];
    return decisive ? [{ vendor_id: vendorId, state, event_id: decisive.id, occurred_at: new Date(decisive.occurred_at).toISOString(), notes: decisive.notes }] : [];
  });
  await em.execute(
    `insert into vendor_audit (vendor_id, state, event_id, occurred_at, notes, updated_at)
     select x.vendor_id, x.state, x.event_id, x.occurred_at, x.notes, ?
       from json_to_recordset(?::json) as x(vendor_id uuid, state text, event_id uuid, occurred_at timestamptz, notes text)
     on conflict (vendor_id) do update set state = excluded.state, event_id = excluded.event_id, occurred_at = excluded.occurred_at,
       notes = excluded.notes, updated_at = excluded.updated_at`,
    [now, JSON.stringify(rows)],
  );
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationSchema } from '../../persistence/entities/access.js';
import type { QualityEventSchema } from '../../persistence/entities/quality.js';
import type { RowOf } from '../../persistence/rows.js';
import { requireRole, type Principal } from '../access/principal.js';
import { recordInternalEvent } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { pgArray } from '../shared/sql.js';
import { fail, ok, type Result } from '../shared/result.js';
import { applyAudits, auditBrandOf } from './audit-authority.js';
import { MAX_EVENTS_PER_BATCH, payloadHashOf, shapeProblem, valueOf, type QualityEventInput, type Rejection, type RejectionCode } from './event-shape.js';
import { boundProblem, fileRating, loadRatingContracts, lockBounds, ratingProblem, tallyRatings, type RatingKind } from './rating-evidence.js';
import { channelScope, observationOf, skillScope } from './scoring.js';

export { MAX_EVENTS_PER_BATCH, EVENT_KINDS, type AuditResult, type QualityEventInput, type RejectionCode } from './event-shape.js';
export { auditStateAfter } from './audit-authority.js';

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
  /** For AUDIT events: the brand whose own audit it is, or null for the marketplace's. */
  auditBrandId: string | null;
}

/**
 * Records a batch of quality events (PRODUCT.md section 8). Who may say what:
 * - ratings (CSAT, QA_SCORE, FCR, ESCALATION, COMPLAINT) from BRAND keys about their own
 *   contracts, or from the operator, within the evidence bounds of rating-evidence.ts;
 * - AUDIT events from the operator and AUDITOR keys (the marketplace's audit state), or from a
 *   brand about a vendor it can see (that brand's own audit state only, audit-authority.ts).
 * Each event is judged on its own: refused ones get a typed reason while the valid ones are
 * stored, in one transaction, together with the observations they add and any audit state
 * change. A resubmitted external id with the same content is a DUPLICATE (harmless); with
 * different content it is refused. Only an empty or oversized batch fails as a whole.
 */
export async function recordQualityEvents(
  em: EntityManager,
  clock: Clock,
  actor: Principal | null,
  events: readonly QualityEventInput[],
  source: 'GRAPHQL' | 'HTTP',
): Promise<Result<IngestOutcome>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR', 'AUDITOR');
  if (events.length === 0 || events.length > MAX_EVENTS_PER_BATCH) {
    return fail('VALIDATION', `Send 1 to ${MAX_EVENTS_PER_BATCH} events`, 'events');
  }
  const now = clock.now();
  const receipts: EventReceipt[] = events.map((e, index) => ({
    index,
    externalId: String(e?.externalId ?? ''),
    status: 'REJECTED',
    eventId: null,
    rejection: null,
  }));
  const reject = (i: number, r: Rejection) => {
    receipts[i]!.rejection = { code: r.code, message: r.message, field: `events[${i}].${r.field}` };
  };

  const seen = new Set<string>();
  const candidates: { index: number; input: QualityEventInput }[] = [];
  for (const [index, input] of events.entries()) {
    const problem = shapeProblem(input, now);
    if (problem) {
      reject(index, problem);
      continue;
    }
    if (seen.has(input.externalId)) {
      reject(index, { code: 'DUPLICATE_IN_BATCH', message: 'This externalId appears earlier in the batch', field: 'externalId' });
      continue;
    }
    seen.add(input.externalId);
    candidates.push({ index, input });
  }

  const outcome = await em.transactional(async (tem) => {
    const vendorIds = [...new Set(candidates.map((c) => c.input.vendorId))];
    const contractIds = [...new Set(candidates.flatMap((c) => (c.input.contractId ? [c.input.contractId] : [])))];
    const [contracts, vendors, existing] = await Promise.all([
      loadRatingContracts(tem, contractIds),
      tem.execute<Pick<RowOf<typeof OrganizationSchema>, 'id' | 'vendor_type' | 'parent_brand_id'>[]>(
        // Vendors of the submitter's world only: another world's vendor is unknown here (PostgreSQL refuses the pair too).
        `select id, vendor_type, parent_brand_id from organization where kind = 'VENDOR' and id = any(?::uuid[]) and sandbox_id is not distinct from ?::uuid`,
        [pgArray(vendorIds), p.sandboxId ?? null],
      ),
      tem.execute<Pick<RowOf<typeof QualityEventSchema>, 'id' | 'external_id' | 'payload_hash'>[]>(
        `select id, external_id, payload_hash from quality_event where submitted_by = ? and external_id = any(?::text[])`,
        [p.organizationId, pgArray(candidates.map((c) => c.input.externalId))],
      ),
    ]);
    const vendorById = new Map(vendors.map((v) => [v.id, { id: v.id, vendorType: v.vendor_type, parentBrandId: v.parent_brand_id }]));
    const stored = new Map(existing.map((e) => [e.external_id, e]));

    // Every check but the bounds; then the evidence locks of the contracts still in play (in id
    // order, held to commit, so concurrent batches cannot both pass a bound) and the bounds, in
    // batch order.
    const passed: Checked[] = [];
    for (const { index, input } of candidates) {
      const hash = payloadHashOf(input);
      const previous = stored.get(input.externalId);
      if (previous) {
        if (previous.payload_hash === hash) Object.assign(receipts[index]!, { status: 'DUPLICATE', eventId: previous.id });
        else reject(index, { code: 'EXTERNAL_ID_REUSED', message: 'This externalId was already used for a different event', field: 'externalId' });
        continue;
      }
      const vendor = vendorById.get(input.vendorId);
      const contract = input.contractId ? contracts.get(input.contractId) : undefined;
      const occurredAt = input.occurredAt ?? now;
      const problem =
        input.vendorId === p.organizationId
          ? { code: 'SELF_RATING' as const, message: 'An organisation cannot rate itself', field: 'vendorId' }
          : !vendor || (p.role === 'BRAND' && vendor.vendorType === 'IN_HOUSE' && vendor.parentBrandId !== p.organizationId)
            ? { code: 'UNKNOWN_VENDOR' as const, message: `No vendor ${input.vendorId}`, field: 'vendorId' }
            : input.kind === 'AUDIT'
              ? auditProblem(p, input, contract)
              : ratingProblem(p, input as QualityEventInput & { kind: RatingKind }, vendor, contract, occurredAt, now);
      if (problem) {
        reject(index, problem);
        continue;
      }
      const skills = input.skill ? [input.skill] : (contract?.requiredSkills ?? []);
      passed.push({
        index,
        input,
        id: uuidv7(now.getTime()),
        payloadHash: hash,
        value: valueOf(input),
        occurredAt,
        scopes: [...skills.map(skillScope), ...(contract ? [channelScope(contract.channel)] : [])],
        auditBrandId: input.kind === 'AUDIT' ? auditBrandOf(p) : null,
      });
    }
    const rated = (a: Checked) => (a.input.kind === 'AUDIT' ? null : contracts.get(a.input.contractId!)!);
    await lockBounds(tem, [...new Set(passed.flatMap((a) => rated(a) ?? []))]);
    const accepted = passed.filter((a) => {
      const contract = rated(a);
      if (!contract) return true;
      const problem = boundProblem(contract, a.input.kind as RatingKind);
      if (problem) reject(a.index, problem);
      else fileRating(contract, a.input.kind as RatingKind);
      return !problem;
    });
    if (accepted.length === 0) return { accepted, written: [] };

    const inserted = await tem.execute<Pick<RowOf<typeof QualityEventSchema>, 'id'>[]>(
      `insert into quality_event (id, submitted_by, vendor_id, contract_id, kind, value, audit_result, notes, skill, occurred_at, external_id, payload_hash, source, received_at, audit_brand_id)
       select x.id, ?, x.vendor_id, x.contract_id, x.kind, x.value, x.audit_result, x.notes, x.skill, x.occurred_at, x.external_id, x.payload_hash, ?, ?, x.audit_brand_id
         from json_to_recordset(?::json) as x(id uuid, vendor_id uuid, contract_id uuid, kind text, value double precision, audit_result text,
                                             notes text, skill text, occurred_at timestamptz, external_id text, payload_hash text, audit_brand_id uuid)
       on conflict (submitted_by, external_id) do nothing
       returning id`,
      [
        p.organizationId,
        source,
        now,
        JSON.stringify(
          accepted.map((a) => ({
            id: a.id,
            vendor_id: a.input.vendorId,
            contract_id: a.input.contractId ?? null,
            kind: a.input.kind,
            value: a.value,
            audit_result: a.input.auditResult ?? null,
            notes: a.input.notes ?? null,
            skill: a.input.skill ?? null,
            occurred_at: a.occurredAt.toISOString(),
            external_id: a.input.externalId,
            payload_hash: a.payloadHash,
            audit_brand_id: a.auditBrandId,
          })),
        ),
      ],
    );
    const won = new Set(inserted.map((r) => r.id));
    const written = accepted.filter((a) => won.has(a.id));

    const observations = written.flatMap((a) => {
      const o = observationOf({ kind: a.input.kind, value: a.value });
      return o
        ? [
            {
              id: uuidv7(now.getTime()),
              vendor_id: a.input.vendorId,
              metric: o.metric,
              scopes: a.scopes,
              amount: o.amount,
              weight: o.weight,
              observed_at: a.occurredAt.toISOString(),
              event_id: a.id,
            },
          ]
        : [];
    });
    if (observations.length) {
      await tem.execute(
        `insert into quality_observation (id, vendor_id, metric, scopes, amount, weight, observed_at, recorded_at, event_id)
         select x.id, x.vendor_id, x.metric, x.scopes, x.amount, x.weight, x.observed_at, ?, x.event_id
           from json_to_recordset(?::json) as x(id uuid, vendor_id uuid, metric text, scopes text[], amount double precision, weight double precision, observed_at timestamptz, event_id uuid)`,
        [now, JSON.stringify(observations)],
      );
    }
    await tallyRatings(
      tem,
      written.filter((a) => a.input.kind !== 'AUDIT').map((a) => ({ contractId: a.input.contractId!, kind: a.input.kind as RatingKind })),
    );
    await applyAudits(
      tem,
      written.filter((a) => a.input.kind === 'AUDIT').map((a) => ({ vendorId: a.input.vendorId, auditBrandId: a.auditBrandId })),
      now,
    );
    // After commit: the scores follow within seconds.
    if (written.length) recordInternalEvent(tem, 'quality.events_accepted', { accepted: written.length }, now);
    return { accepted, written };
  });

  const written = new Set(outcome.written.map((a) => a.id));
  for (const a of outcome.accepted) {
    // Not written: a concurrent submission of the same external id stored it first.
    Object.assign(receipts[a.index]!, written.has(a.id) ? { status: 'ACCEPTED', eventId: a.id } : { status: 'DUPLICATE' });
  }
  const count = (s: EventReceipt['status']) => receipts.filter((r) => r.status === s).length;
  return ok({
    accepted: count('ACCEPTED'),
    duplicates: count('DUPLICATE'),
    rejected: count('REJECTED'),
    receipts,
    vendorIds: [...new Set(outcome.written.map((a) => a.input.vendorId))],
  });
}

/**
 * An audit may name a contract of the vendor (for a brand: one of its own); it needs none, since
 * working conditions are audited at the vendor, not per contract.
 */
function auditProblem(p: Principal, e: QualityEventInput, contract: { brandId: string; vendorId: string } | undefined): Rejection | null {
  if (e.contractId && (!contract || contract.vendorId !== e.vendorId || (p.role === 'BRAND' && contract.brandId !== p.organizationId))) {
    return { code: 'CONTRACT_MISMATCH', message: 'The contract is not one between this brand and this vendor', field: 'contractId' };
  }
  return null;
}

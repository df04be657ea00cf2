import type { EntityManager } from '@mikro-orm/postgresql';
import type { QualityEventSchema } from '../../persistence/entities/quality.js';
import type { RowOf } from '../../persistence/rows.js';
import type { Principal } from '../access/principal.js';
import { pgArray } from '../shared/sql.js';
import type { AuditResult } from './event-shape.js';
import type { AuditState } from './scoring.js';

/**
 * Whose word an audit is (PRODUCT.md section 8). The operator's and its AUDITOR keys' audits
 * decide the marketplace state (`vendor_audit`): FAIL suspends from every spike, CONDITIONAL
 * discounts the score. A brand's own audit decides only that brand's state of the vendor
 * (`brand_vendor_audit`): its FAIL excludes the vendor from that brand's spikes, and its PASS
 * lifts only that brand's own FAIL, never the operator's.
 *
 * Returns the brand whose own audit it is, or null for the marketplace's.
 */
export function auditBrandOf(p: Principal): string | null {
  return p.role === 'BRAND' ? p.organizationId : null;
}

/**
 * An audit state after its audits, taken in occurrence order (PRODUCT.md section 9): FAIL
 * suspends until a later PASS, so a CONDITIONAL after a FAIL leaves the vendor suspended;
 * otherwise CONDITIONAL discounts the score and PASS clears both. Returns the state and the
 * position of the audit that set it (-1 with state NONE when there are none).
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

/** A stored AUDIT event (its audit_result is never null: a check constraint). */
type AuditRow = Pick<RowOf<typeof QualityEventSchema>, 'vendor_id' | 'audit_brand_id' | 'id' | 'occurred_at' | 'notes'> & { audit_result: AuditResult };

/**
 * Sets the audit states touched by newly stored audits from each authority's whole audit history,
 * so an audit that arrives late (older than the newest) still takes its place in the order.
 * Concurrent ingestions for one vendor are serialised by a transaction-scoped advisory lock
 * taken before the history is read: the second sees the first's committed audits.
 */
export async function applyAudits(em: EntityManager, audits: readonly { vendorId: string; auditBrandId: string | null }[], now: Date): Promise<void> {
  const vendors = [...new Set(audits.map((a) => a.vendorId))].sort();
  if (vendors.length === 0) return;
  await em.execute(`select pg_advisory_xact_lock(hashtextextended('vendor_audit:' || s.v::text, 0)) from (select v from unnest(?::uuid[]) as v order by v) s`, [
    pgArray(vendors),
  ]);
  const history = await em.execute<AuditRow[]>(
    `select vendor_id, audit_brand_id, id, audit_result, occurred_at, notes from quality_event
      where kind = 'AUDIT' and vendor_id = any(?::uuid[]) order by vendor_id, occurred_at, id`,
    [pgArray(vendors)],
  );
  const touched = new Set(audits.map((a) => `${a.vendorId}|${a.auditBrandId ?? ''}`));
  const groups = new Map<string, AuditRow[]>();
  for (const row of history) {
    const key = `${row.vendor_id}|${row.audit_brand_id ?? ''}`;
    if (touched.has(key)) groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const states = [...groups.values()].flatMap((own) => {
    const { state, decidedBy } = auditStateAfter(own.map((a) => a.audit_result));
    const decisive = own[decidedBy];
    return decisive
      ? [
          {
            vendor_id: decisive.vendor_id,
            brand_id: decisive.audit_brand_id,
            state,
            event_id: decisive.id,
            occurred_at: new Date(decisive.occurred_at).toISOString(),
            notes: decisive.notes,
          },
        ]
      : [];
  });
  const marketplace = states.filter((s) => s.brand_id === null);
  const brands = states.filter((s) => s.brand_id !== null);
  if (marketplace.length) {
    await em.execute(
      `insert into vendor_audit (vendor_id, state, event_id, occurred_at, notes, updated_at)
       select x.vendor_id, x.state, x.event_id, x.occurred_at, x.notes, ?
         from json_to_recordset(?::json) as x(vendor_id uuid, state text, event_id uuid, occurred_at timestamptz, notes text)
       on conflict (vendor_id) do update set state = excluded.state, event_id = excluded.event_id, occurred_at = excluded.occurred_at,
         notes = excluded.notes, updated_at = excluded.updated_at`,
      [now, JSON.stringify(marketplace)],
    );
  }
  if (brands.length) {
    await em.execute(
      `insert into brand_vendor_audit (brand_id, vendor_id, state, event_id, occurred_at, notes, updated_at)
       select x.brand_id, x.vendor_id, x.state, x.event_id, x.occurred_at, x.notes, ?
         from json_to_recordset(?::json) as x(brand_id uuid, vendor_id uuid, state text, event_id uuid, occurred_at timestamptz, notes text)
       on conflict (brand_id, vendor_id) do update set state = excluded.state, event_id = excluded.event_id, occurred_at = excluded.occurred_at,
         notes = excluded.notes, updated_at = excluded.updated_at`,
      [now, JSON.stringify(brands)],
    );
  }
}

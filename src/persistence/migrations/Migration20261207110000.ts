import { Migration } from '@mikro-orm/migrations';

/**
 * Market integrity (issue 12): who may say what about a vendor, and how much evidence counts.
 *
 * Schema
 * - AUDITOR organisations and keys: an audit firm the operator onboards records audits with the
 *   operator's authority, and nothing else.
 * - `quality_event.audit_brand_id`: set on an AUDIT a brand recorded itself. Such an audit is
 *   the brand's own: its FAIL excludes the vendor from that brand's spikes only
 *   (`brand_vendor_audit`), and its PASS never lifts the marketplace state, which only the
 *   operator's and auditors' audits decide (`vendor_audit`).
 * - `quality_observation.excluded_reason`: evidence kept for history but not counted in scores
 *   (NO_CONTRACT, IN_HOUSE, OUTSIDE_CONTRACT_PERIOD, EXCEEDS_CONTACTS_HANDLED).
 * - `contract_rating_tally`: ratings filed per contract and kind, the number the bound compares
 *   with the contacts handled, kept in step by ingestion (counting the stored events instead
 *   grew with every batch and held the contract's lock for it).
 *
 * Existing data (docs/decisions.md, "Quality"), in DATA_MIGRATION order:
 * 1. AUDIT events submitted by brands become brand-scoped audits. The marketplace audit state of
 *    every vendor is folded again from the operator's audits only (a vendor suspended only by a
 *    brand's FAIL is no longer suspended marketplace-wide), and each brand's own state per
 *    vendor from that brand's audits, with the same rule as the code (FAIL holds through
 *    CONDITIONAL until a later PASS; `occurred_at`, then id, order).
 * 2. Nothing is deleted: events stay as received (external ids keep deduplicating) and
 *    observations stay for history. Rating observations that the new rules would have refused
 *    stop counting: without a contract (NO_CONTRACT: not verifiable evidence; operator ratings
 *    included), about an in-house team (IN_HOUSE: it is scored from delivery data only), dated
 *    before the contract started or after the dispute window (30 days after its first
 *    settlement), by occurrence or by receipt (OUTSIDE_CONTRACT_PERIOD).
 * 3. Contacts handled that a delivery report claimed beyond what its staffed seat-hours could
 *    physically handle are counted at that capacity in the escalation and complaint
 *    denominators (the reports themselves, finance's data, are not touched; the code clamps the
 *    same way when it derives observations again).
 * 4. Per contract and kind, the remaining ratings beyond the contacts handled stop counting,
 *    latest first (EXCEEDS_CONTACTS_HANDLED): the earliest received ones count, as they would
 *    have been accepted first. The tallies count the ratings left in play (counted, or beyond the
 *    bound and so counted again should the contacts rise).
 * Scores follow at the next scoring run (at most SCORE_REFRESH_MS later); audit effects at once.
 */
/**
 * Effective actuals per contract interval (the brand's report under ENTERPRISE_ROUTED and
 * VIRTUALIZED, the vendor's under NETWORK_DELIVERED, either alone) with contacts capped at
 * capacity: staffed seat-hours × 3,600 ÷ (AHT ÷ 4) × chat concurrency, where a seat interval
 * counts as AHT 120 s (a quarter of it is PRODUCT.md's 30 s).
 */
const EFFECTIVE_CONTACTS = `effective as (
    select distinct on (r."contract_id", r."interval_index") r."contract_id", r."interval_index", r."staffed_units", r."contacts_handled", c."spike_id"
      from "delivery_report" r join "contract" c on c."id" = r."contract_id" join "demand_spike" s on s."id" = c."spike_id"
     order by r."contract_id", r."interval_index", (r."source" = case when s."outsourcing_model" = 'NETWORK_DELIVERED' then 'VENDOR' else 'BRAND' end) desc
  ), effective_contacts as (
    select f."contract_id", f."interval_index",
           least(f."contacts_handled"::bigint, floor(
             (f."staffed_units"::numeric * 3600 * 4 * (case when s."channel" = 'CHAT' then s."chat_concurrency" else 1 end))
             / (10000 * coalesce((s."intervals" -> f."interval_index" ->> 'ahtSeconds')::numeric, 120))
           )::bigint) as "contacts"
      from effective f join "demand_spike" s on s."id" = f."spike_id"
  )`;

export const DATA_MIGRATION: readonly string[] = [
  // 1. Brand audits become brand-scoped; both audit states are folded again.
  `update "quality_event" e set "audit_brand_id" = e."submitted_by"
     from "organization" o where o."id" = e."submitted_by" and o."kind" = 'BRAND' and e."kind" = 'AUDIT' and e."audit_brand_id" is null;`,
  `delete from "vendor_audit";`,
  `delete from "brand_vendor_audit";`,
  `with folded as (
     select e."id", e."vendor_id", e."audit_brand_id", e."audit_result", e."occurred_at", e."notes",
            array_agg(e."audit_result") filter (where e."audit_result" <> 'CONDITIONAL')
              over (partition by e."vendor_id", e."audit_brand_id" order by e."occurred_at", e."id" rows between unbounded preceding and 1 preceding) as "decisive_before"
       from "quality_event" e where e."kind" = 'AUDIT'
   ), decisive as (
     -- A CONDITIONAL while the last PASS-or-FAIL before it is a FAIL changes nothing; otherwise the latest audit decides.
     select distinct on ("vendor_id", "audit_brand_id") "id", "vendor_id", "audit_brand_id", "audit_result", "occurred_at", "notes"
       from folded
      where not ("audit_result" = 'CONDITIONAL' and coalesce("decisive_before"[array_upper("decisive_before", 1)], 'NONE') = 'FAIL')
      order by "vendor_id", "audit_brand_id", "occurred_at" desc, "id" desc
   ), marketplace as (
     insert into "vendor_audit" ("vendor_id", "state", "event_id", "occurred_at", "notes", "updated_at")
     select "vendor_id", "audit_result", "id", "occurred_at", "notes", now() from decisive where "audit_brand_id" is null
   )
   insert into "brand_vendor_audit" ("brand_id", "vendor_id", "state", "event_id", "occurred_at", "notes", "updated_at")
   select "audit_brand_id", "vendor_id", "audit_result", "id", "occurred_at", "notes", now() from decisive where "audit_brand_id" is not null;`,

  // 2. Ratings the new rules refuse stop counting.
  `update "quality_observation" o set "excluded_reason" = 'NO_CONTRACT'
     from "quality_event" e where o."event_id" = e."id" and e."kind" <> 'AUDIT' and e."contract_id" is null and o."excluded_reason" is null;`,
  `update "quality_observation" o set "excluded_reason" = 'IN_HOUSE'
     from "quality_event" e join "organization" v on v."id" = e."vendor_id"
    where o."event_id" = e."id" and e."kind" <> 'AUDIT' and v."vendor_type" = 'IN_HOUSE' and o."excluded_reason" is null;`,
  `update "quality_observation" o set "excluded_reason" = 'OUTSIDE_CONTRACT_PERIOD'
     from "quality_event" e join "contract" c on c."id" = e."contract_id"
     left join "settlement" s on s."contract_id" = c."id" and s."sequence" = 1
    where o."event_id" = e."id" and e."kind" <> 'AUDIT' and o."excluded_reason" is null
      and (e."occurred_at" < c."starts_at" or greatest(e."occurred_at", e."received_at") > s."created_at" + interval '30 days');`,

  // 3. Contacts beyond capacity count at capacity in the escalation and complaint denominators.
  `with ${EFFECTIVE_CONTACTS}
   update "quality_observation" o set "amount" = x."contacts", "weight" = x."contacts"
     from effective_contacts x
    where o."contract_id" = x."contract_id" and o."interval_index" = x."interval_index"
      and o."metric" in ('ESCALATION', 'COMPLAINT') and o."weight" > x."contacts";`,

  // 4. Per contract and kind, ratings beyond the contacts handled stop counting, latest first.
  `with ${EFFECTIVE_CONTACTS}, bounds as (
     select "contract_id", sum("contacts") as "bound" from effective_contacts group by 1
   ), ranked as (
     select o."id", row_number() over (partition by e."contract_id", e."kind" order by e."id") as "rank", coalesce(b."bound", 0) as "bound"
       from "quality_observation" o join "quality_event" e on e."id" = o."event_id"
       left join bounds b on b."contract_id" = e."contract_id"
      where e."kind" <> 'AUDIT' and e."contract_id" is not null and o."excluded_reason" is null
   )
   update "quality_observation" o set "excluded_reason" = 'EXCEEDS_CONTACTS_HANDLED' from ranked where o."id" = ranked."id" and ranked."rank" > ranked."bound";`,
  `delete from "contract_rating_tally";`,
  `insert into "contract_rating_tally" ("contract_id", "kind", "filed")
   select e."contract_id", e."kind", count(*)
     from "quality_event" e join "quality_observation" o on o."event_id" = e."id"
    where e."kind" <> 'AUDIT' and e."contract_id" is not null and (o."excluded_reason" is null or o."excluded_reason" = 'EXCEEDS_CONTACTS_HANDLED')
    group by 1, 2;`,
];

export class Migration20261207110000 extends Migration {
  override name = 'Migration20261207110000';

  override up(): void {
    this.addSql(`alter table "organization" drop constraint "organization_kind_check",
      add constraint "organization_kind_check" check ("kind" in ('BRAND', 'VENDOR', 'OPERATOR', 'AUDITOR'));`);
    this.addSql(`alter table "api_key" drop constraint "api_key_role_check",
      add constraint "api_key_role_check" check ("role" in ('OPERATOR', 'BRAND', 'VENDOR', 'FINANCE', 'AUDITOR'));`);

    this.addSql(`alter table "quality_event" add column "audit_brand_id" uuid null references "organization" ("id"),
      add constraint "quality_event_audit_brand_only_audits" check ("audit_brand_id" is null or "kind" = 'AUDIT');`);
    this.addSql(`create index "quality_event_contract_idx" on "quality_event" ("contract_id", "kind") where "contract_id" is not null;`);
    this.addSql(`create table "brand_vendor_audit" (
      "brand_id" uuid not null references "organization" ("id"),
      "vendor_id" uuid not null references "organization" ("id"),
      "state" text not null check ("state" in ('PASS', 'CONDITIONAL', 'FAIL')),
      "event_id" uuid not null references "quality_event" ("id"),
      "occurred_at" timestamptz not null,
      "notes" text null,
      "updated_at" timestamptz not null,
      primary key ("brand_id", "vendor_id")
    );`);
    this.addSql(`create index "brand_vendor_audit_vendor_idx" on "brand_vendor_audit" ("vendor_id") where "state" = 'FAIL';`);

    this.addSql(`alter table "quality_observation" add column "excluded_reason" text null
      check ("excluded_reason" in ('NO_CONTRACT', 'IN_HOUSE', 'OUTSIDE_CONTRACT_PERIOD', 'EXCEEDS_CONTACTS_HANDLED'));`);
    this.addSql(`create index "quality_observation_event_idx" on "quality_observation" ("event_id") where "event_id" is not null;`);
    this.addSql(`create table "contract_rating_tally" (
      "contract_id" uuid not null references "contract" ("id"),
      "kind" text not null check ("kind" in ('CSAT', 'QA_SCORE', 'FCR', 'ESCALATION', 'COMPLAINT')),
      "filed" integer not null check ("filed" >= 0),
      primary key ("contract_id", "kind")
    );`);

    for (const sql of DATA_MIGRATION) this.addSql(sql);
  }

  override down(): void {
    this.addSql(`drop table "contract_rating_tally";`);
    this.addSql(`drop table "brand_vendor_audit";`);
    this.addSql(`drop index "quality_observation_event_idx";`);
    this.addSql(`alter table "quality_observation" drop column "excluded_reason";`);
    this.addSql(`drop index "quality_event_contract_idx";`);
    this.addSql(`alter table "quality_event" drop column "audit_brand_id";`);
    this.addSql(`alter table "api_key" drop constraint "api_key_role_check",
      add constraint "api_key_role_check" check ("role" in ('OPERATOR', 'BRAND', 'VENDOR', 'FINANCE'));`);
    this.addSql(`alter table "organization" drop constraint "organization_kind_check",
      add constraint "organization_kind_check" check ("kind" in ('BRAND', 'VENDOR', 'OPERATOR'));`);
  }
}

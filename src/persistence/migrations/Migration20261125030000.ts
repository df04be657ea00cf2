import { Migration } from '@mikro-orm/migrations';

/**
 * Quality: events as received, the observations they (and delivery actuals) add to each metric,
 * the audit state per vendor, the operator's scoring policy, and the scores the quality worker
 * computes, with their history.
 *
 * - An event is unique per (submitter, external id): a resubmission is recognised, not doubled.
 * - An observation from delivery is unique per (contract, interval, metric): later actuals
 *   replace it. Observations carry the scopes they count for (skill tags, channel).
 * - Scores and history are written only by the quality worker, under an advisory lock.
 */
export class Migration20261125030000 extends Migration {
  override name = 'Migration20261125030000';

  override up(): void {
    this.addSql(`create table "quality_event" (
      "id" uuid primary key,
      "submitted_by" uuid not null references "organization" ("id"),
      "vendor_id" uuid not null references "organization" ("id"),
      "contract_id" uuid null references "contract" ("id"),
      "kind" text not null check ("kind" in ('CSAT', 'QA_SCORE', 'FCR', 'ESCALATION', 'COMPLAINT', 'AUDIT')),
      "value" double precision null,
      "audit_result" text null check ("audit_result" in ('PASS', 'CONDITIONAL', 'FAIL')),
      "notes" text null,
      "skill" text null,
      "occurred_at" timestamptz not null,
      "external_id" text not null,
      "payload_hash" varchar(64) not null,
      "source" text not null check ("source" in ('GRAPHQL', 'HTTP')),
      "received_at" timestamptz not null,
      constraint "quality_event_external_id_unique" unique ("submitted_by", "external_id"),
      constraint "quality_event_audit_has_result" check (("kind" = 'AUDIT') = ("audit_result" is not null))
    );`);
    this.addSql(`create index "quality_event_vendor_idx" on "quality_event" ("vendor_id", "occurred_at");`);

    this.addSql(`create table "quality_observation" (
      "id" uuid primary key,
      "vendor_id" uuid not null references "organization" ("id"),
      "metric" text not null check ("metric" in ('CSAT', 'QA', 'FCR', 'ADHERENCE', 'SERVICE_LEVEL', 'ESCALATION', 'COMPLAINT')),
      "scopes" text[] not null,
      "amount" double precision not null,
      "weight" double precision not null check ("weight" >= 0),
      "observed_at" timestamptz not null,
      "recorded_at" timestamptz not null,
      "event_id" uuid null references "quality_event" ("id"),
      "contract_id" uuid null references "contract" ("id"),
      "interval_index" int null,
      constraint "quality_observation_delivery_unique" unique ("contract_id", "interval_index", "metric")
    );`);
    this.addSql(`create index "quality_observation_vendor_idx" on "quality_observation" ("vendor_id");`);

    this.addSql(`create table "vendor_audit" (
      "vendor_id" uuid primary key references "organization" ("id"),
      "state" text not null check ("state" in ('PASS', 'CONDITIONAL', 'FAIL')),
      "event_id" uuid not null references "quality_event" ("id"),
      "occurred_at" timestamptz not null,
      "notes" text null,
      "updated_at" timestamptz not null
    );`);

    this.addSql(`create table "scoring_policy" (
      "version" int primary key,
      "weights_bp" jsonb not null,
      "prior_weight" double precision not null,
      "half_life_days" double precision not null,
      -- Not a foreign key: the policy history outlives the organisations that set it.
      "created_by" uuid null,
      "created_at" timestamptz not null
    );`);
    this.addSql(`insert into "scoring_policy" values (1,
      '{"CSAT":3000,"QA":2000,"FCR":1500,"ADHERENCE":1500,"SERVICE_LEVEL":1000,"ESCALATION":1000,"COMPLAINT":0}', 20, 30, null, now());`);

    this.addSql(`create table "scoring_run" (
      "id" uuid primary key,
      "computed_at" timestamptz not null,
      "policy_version" int not null references "scoring_policy" ("version"),
      "market" jsonb not null,
      "market_composite" double precision not null,
      "observations" bigint not null
    );`);

    this.addSql(`create table "vendor_score" (
      "vendor_id" uuid not null references "organization" ("id"),
      "scope" text not null,
      "base_composite" double precision not null,
      "metrics" jsonb not null,
      "samples" int not null,
      "run_id" uuid not null references "scoring_run" ("id"),
      "computed_at" timestamptz not null,
      primary key ("vendor_id", "scope")
    );`);

    this.addSql(`create table "vendor_score_history" (
      "id" uuid primary key,
      "vendor_id" uuid not null references "organization" ("id"),
      "scope" text not null,
      "base_composite" double precision not null,
      "composite" double precision not null,
      "previous_composite" double precision null,
      "audit_state" text not null,
      "metrics" jsonb not null,
      "new_observations" jsonb not null,
      "run_id" uuid not null references "scoring_run" ("id"),
      "computed_at" timestamptz not null
    );`);
    this.addSql(`create index "vendor_score_history_idx" on "vendor_score_history" ("vendor_id", "scope", "computed_at" desc, "id" desc);`);

    this.addSql(`create table "ingest_secret" (
      "organization_id" uuid primary key references "organization" ("id"),
      "secret" text not null,
      "created_at" timestamptz not null
    );`);
    this.addSql(`create table "ingest_nonce" (
      "signature" varchar(64) primary key,
      "organization_id" uuid not null,
      "received_at" timestamptz not null
    );`);
  }

  override down(): void {
    for (const t of [
      'ingest_nonce',
      'ingest_secret',
      'vendor_score_history',
      'vendor_score',
      'scoring_run',
      'scoring_policy',
      'vendor_audit',
      'quality_observation',
      'quality_event',
    ]) {
      this.addSql(`drop table if exists "${t}";`);
    }
  }
}

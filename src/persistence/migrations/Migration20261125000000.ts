import { Migration } from '@mikro-orm/migrations';

/**
 * Core tables: organisations, API keys, demand spikes, bids and the transition log.
 * Generated from the entities, then reviewed by hand to add the constraints that make the
 * rules hold in the database too: foreign keys, idempotency keys, one live bid per vendor.
 */
export class Migration20261125000000 extends Migration {
  override name = 'Migration20261125000000';

  override up(): void {
    this.addSql(`create table "organization" (
      "id" uuid primary key,
      "name" varchar(200) not null,
      "kind" text not null check ("kind" in ('BRAND', 'VENDOR', 'OPERATOR')),
      "vendor_type" text null check ("vendor_type" in ('IN_HOUSE', 'OUTSOURCER')),
      "parent_brand_id" uuid null references "organization" ("id"),
      "skills" text[] not null default '{}',
      "certifications" text[] not null default '{}',
      "status" text not null check ("status" in ('ACTIVE', 'SUSPENDED')),
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "organization_vendor_type_iff_vendor" check (("kind" = 'VENDOR') = ("vendor_type" is not null)),
      constraint "organization_in_house_has_brand" check (("vendor_type" = 'IN_HOUSE') = ("parent_brand_id" is not null))
    );`);
    this.addSql(`create unique index "organization_name_unique" on "organization" (lower("name"));`);

    this.addSql(`create table "api_key" (
      "id" uuid primary key,
      "organization_id" uuid not null references "organization" ("id"),
      "role" text not null check ("role" in ('OPERATOR', 'BRAND', 'VENDOR', 'FINANCE')),
      "prefix" varchar(16) not null constraint "api_key_prefix_unique" unique,
      "hash" varchar(64) not null,
      "label" varchar(200) not null,
      "created_at" timestamptz not null,
      "revoked_at" timestamptz null
    );`);
    this.addSql(`create index "api_key_organization_id_index" on "api_key" ("organization_id");`);

    this.addSql(`create table "demand_spike" (
      "id" uuid primary key,
      "brand_id" uuid not null references "organization" ("id"),
      "title" varchar(200) not null,
      "channel" text not null check ("channel" in ('VOICE', 'CHAT', 'EMAIL')),
      "required_skills" text[] not null,
      "required_certifications" text[] not null,
      "time_zone" varchar(64) not null,
      "interval_minutes" int not null check ("interval_minutes" in (15, 30, 60)),
      "intervals" jsonb not null,
      "service_level_target" double precision not null check ("service_level_target" > 0 and "service_level_target" < 1),
      "service_level_seconds" int not null check ("service_level_seconds" > 0),
      "max_occupancy" double precision not null check ("max_occupancy" > 0 and "max_occupancy" <= 1),
      "shrinkage" double precision not null check ("shrinkage" >= 0 and "shrinkage" < 1),
      "chat_concurrency" int not null check ("chat_concurrency" >= 1),
      "reserve_rate_minor" bigint not null check ("reserve_rate_minor" > 0),
      "currency" varchar(3) not null,
      "min_quality_score" double precision null check ("min_quality_score" between 0 and 100),
      "max_vendor_share" double precision null check ("max_vendor_share" > 0 and "max_vendor_share" <= 1),
      "quality_weight" double precision not null check ("quality_weight" between 0 and 1),
      "bidding_closes_at" timestamptz not null,
      "outsourcing_model" text not null check ("outsourcing_model" in ('NETWORK_DELIVERED', 'ENTERPRISE_ROUTED', 'VIRTUALIZED')),
      "status" text not null check ("status" in ('DRAFT', 'OPEN', 'CLOSED', 'AWARDED', 'IN_DELIVERY', 'COMPLETED', 'SETTLED', 'CANCELLED')),
      "idempotency_key" varchar(200) null,
      "payload_hash" varchar(64) null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "demand_spike_idempotency_unique" unique ("brand_id", "idempotency_key")
    );`);
    this.addSql(`create index "demand_spike_brand_id_index" on "demand_spike" ("brand_id", "id");`);
    this.addSql(`create index "demand_spike_open_index" on "demand_spike" ("bidding_closes_at") where "status" = 'OPEN';`);

    this.addSql(`create table "bid" (
      "id" uuid primary key,
      "spike_id" uuid not null references "demand_spike" ("id"),
      "vendor_id" uuid not null references "organization" ("id"),
      "status" text not null check ("status" in ('ACTIVE', 'WON', 'PARTIAL', 'LOST', 'WITHDRAWN')),
      "rate_minor" bigint not null check ("rate_minor" > 0),
      "currency" varchar(3) not null,
      "offered" jsonb not null,
      "min_seats_per_interval" int null check ("min_seats_per_interval" >= 1),
      "min_total_seat_hours" double precision null check ("min_total_seat_hours" > 0),
      "note" text null,
      "version" int not null check ("version" >= 1),
      "idempotency_key" varchar(200) not null,
      "payload_hash" varchar(64) not null,
      "submitted_at" timestamptz not null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "bid_idempotency_unique" unique ("vendor_id", "idempotency_key")
    );`);
    this.addSql(`create index "bid_spike_id_index" on "bid" ("spike_id", "id");`);
    this.addSql(`create index "bid_vendor_id_index" on "bid" ("vendor_id", "id");`);
    // One live bid per vendor and spike: a vendor revises its bid rather than stacking several.
    this.addSql(`create unique index "bid_one_active_per_vendor" on "bid" ("spike_id", "vendor_id") where "status" = 'ACTIVE';`);

    this.addSql(`create table "state_transition" (
      "id" uuid primary key,
      "entity_type" varchar(32) not null,
      "entity_id" uuid not null,
      "from_status" varchar(32) null,
      "to_status" varchar(32) not null,
      "actor_organization_id" uuid null references "organization" ("id"),
      "actor_api_key_id" uuid null references "api_key" ("id"),
      "at" timestamptz not null
    );`);
    this.addSql(`create index "state_transition_entity_id_index" on "state_transition" ("entity_id", "at");`);
  }

  override down(): void {
    for (const table of ['state_transition', 'bid', 'demand_spike', 'api_key', 'organization']) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }
}

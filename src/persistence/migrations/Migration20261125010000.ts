import { Migration } from '@mikro-orm/migrations';

/**
 * Clearing results. The spike id is the primary key of the result and of the audit record, so
 * a spike clears at most once however often the job runs; awards, outcomes and contracts carry
 * unique keys of their own for the same reason.
 */
export class Migration20261125010000 extends Migration {
  override name = 'Migration20261125010000';

  override up(): void {
    this.addSql(`create table "clearing_result" (
      "spike_id" uuid primary key references "demand_spike" ("id"),
      "status" text not null check ("status" = 'OPTIMAL'),
      "solver" text not null check ("solver" in ('HIGHS', 'GREEDY', 'TRIVIAL')),
      "covered_seat_hours" double precision not null,
      "adjusted_cost" double precision not null,
      "intervals" jsonb not null,
      "created_at" timestamptz not null
    );`);

    this.addSql(`create table "award" (
      "id" uuid primary key,
      "spike_id" uuid not null references "clearing_result" ("spike_id") deferrable initially deferred,
      "bid_id" uuid not null references "bid" ("id"),
      "vendor_id" uuid not null references "organization" ("id"),
      "interval_index" int not null,
      "seats" int not null check ("seats" > 0),
      "score" double precision not null,
      "adjusted_rate" double precision not null,
      constraint "award_bid_interval_unique" unique ("bid_id", "interval_index")
    );`);
    this.addSql(`create index "award_spike_index" on "award" ("spike_id", "interval_index");`);

    this.addSql(`create table "bid_outcome" (
      "bid_id" uuid primary key references "bid" ("id"),
      "spike_id" uuid not null references "clearing_result" ("spike_id") deferrable initially deferred,
      "vendor_id" uuid not null references "organization" ("id"),
      "status" text not null check ("status" in ('WON', 'PARTIAL', 'LOST')),
      "reason" text not null,
      "reason_detail" text null,
      "score" double precision not null,
      "adjusted_rate" double precision not null,
      "awarded_seat_hours" double precision not null,
      "bid_to_beat" jsonb not null
    );`);
    this.addSql(`create index "bid_outcome_spike_index" on "bid_outcome" ("spike_id");`);

    this.addSql(`create table "contract" (
      "id" uuid primary key,
      "spike_id" uuid not null references "clearing_result" ("spike_id") deferrable initially deferred,
      "brand_id" uuid not null references "organization" ("id"),
      "vendor_id" uuid not null references "organization" ("id"),
      "bid_id" uuid not null references "bid" ("id"),
      "status" text not null check ("status" in ('ACTIVE', 'DELIVERED', 'SETTLED', 'ADJUSTED')),
      "rate_minor" bigint not null check ("rate_minor" > 0),
      "currency" varchar(3) not null,
      "interval_minutes" int not null,
      "seats" jsonb not null,
      "service_level_target" double precision not null,
      "service_level_seconds" int not null,
      "credit_per_point" double precision not null,
      "credit_cap" double precision not null,
      "starts_at" timestamptz not null,
      "ends_at" timestamptz not null,
      "created_at" timestamptz not null,
      constraint "contract_spike_vendor_unique" unique ("spike_id", "vendor_id")
    );`);
    this.addSql(`create index "contract_vendor_index" on "contract" ("vendor_id", "id");`);
    this.addSql(`create index "contract_brand_index" on "contract" ("brand_id", "id");`);
    this.addSql(`create index "contract_ends_index" on "contract" ("ends_at") where "status" = 'ACTIVE';`);

    this.addSql(`create table "audit_record" (
      "spike_id" uuid primary key references "clearing_result" ("spike_id") deferrable initially deferred,
      "document" jsonb not null,
      "canonical" text not null,
      "sha256" char(64) not null,
      "created_at" timestamptz not null
    );`);
  }

  override down(): void {
    for (const table of ['audit_record', 'contract', 'bid_outcome', 'award', 'clearing_result']) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }
}

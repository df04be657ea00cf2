import { Migration } from '@mikro-orm/migrations';

/**
 * Domain events (a transactional outbox) and webhooks.
 *
 * - `domain_event` rows are written in the same transaction as the change they describe; the
 *   relay publishes rows whose `published_at` is null (the partial index keeps that scan cheap
 *   however many published rows accumulate). `audience` lists the organisations that may see
 *   the event; the operator sees all.
 * - `webhook_endpoint` keeps the signing secret encrypted (AES-256-GCM under
 *   WEBHOOK_SECRET_KEY, bound to the endpoint id), never in clear.
 * - `webhook_delivery` is the attempt log: one row per HTTP attempt, numbered per
 *   (event, endpoint); at most one successful attempt per pair.
 */
export class Migration20261125040000 extends Migration {
  override name = 'Migration20261125040000';

  override up(): void {
    this.addSql(`create table "domain_event" (
      "id" uuid primary key,
      "type" text not null check ("type" in ('demand_spike.posted', 'bid.outcome', 'contract.settled')),
      "audience" uuid[] not null,
      "payload" jsonb not null,
      "created_at" timestamptz not null,
      "published_at" timestamptz null
    );`);
    this.addSql(`create index "domain_event_unpublished_index" on "domain_event" ("id") where "published_at" is null;`);
    this.addSql(`create index "domain_event_published_at_index" on "domain_event" ("published_at");`);

    this.addSql(`create table "webhook_endpoint" (
      "id" uuid primary key,
      "organization_id" uuid not null references "organization" ("id"),
      "url" text not null check (length("url") <= 2048),
      "event_types" text[] not null check (cardinality("event_types") > 0),
      "description" varchar(200) null,
      "secret_ciphertext" text not null,
      "secret_hint" varchar(16) not null,
      "status" text not null check ("status" in ('ACTIVE', 'DISABLED')),
      "created_by_key_id" uuid null references "api_key" ("id"),
      "created_at" timestamptz not null,
      "disabled_at" timestamptz null,
      constraint "webhook_endpoint_disabled_at" check (("status" = 'DISABLED') = ("disabled_at" is not null))
    );`);
    this.addSql(`create index "webhook_endpoint_organization_index" on "webhook_endpoint" ("organization_id", "id");`);

    this.addSql(`create table "webhook_delivery" (
      "id" uuid primary key,
      "event_id" uuid not null references "domain_event" ("id"),
      "endpoint_id" uuid not null references "webhook_endpoint" ("id"),
      "attempt" int not null check ("attempt" >= 1),
      "outcome" text not null check ("outcome" in ('DELIVERED', 'RETRYING', 'FAILED')),
      "status_code" int null,
      "error" text null,
      "duration_ms" int not null check ("duration_ms" >= 0),
      "attempted_at" timestamptz not null,
      constraint "webhook_delivery_attempt_unique" unique ("event_id", "endpoint_id", "attempt")
    );`);
    this.addSql(`create unique index "webhook_delivery_delivered_unique" on "webhook_delivery" ("event_id", "endpoint_id") where "outcome" = 'DELIVERED';`);
    this.addSql(`create index "webhook_delivery_endpoint_index" on "webhook_delivery" ("endpoint_id", "id");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "webhook_delivery", "webhook_endpoint", "domain_event" cascade;`);
  }
}

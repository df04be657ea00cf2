import { Migration } from '@mikro-orm/migrations';

/**
 * Web console sign-in (issue 14). A console session is an API key exchanged for a random token
 * that lives in an HttpOnly cookie; a sign-in link is a single-use token, valid 15 minutes, that
 * starts such a session without the key ever reaching the browser. Only SHA-256 hashes of the
 * tokens are stored. Both point at the key they act for: a revoked key ends its sessions and
 * links because every use joins `api_key` and requires `revoked_at is null` (no cache).
 */
export class Migration20261207160000 extends Migration {
  override name = 'Migration20261207160000';

  override up(): void {
    this.addSql(`create table "console_session" (
      "id" uuid primary key,
      "token_hash" char(64) not null unique,
      "api_key_id" uuid not null references "api_key" ("id") on delete cascade,
      "created_at" timestamptz not null,
      "expires_at" timestamptz not null,
      "ended_at" timestamptz null,
      constraint "console_session_expiry" check ("expires_at" > "created_at")
    );`);
    this.addSql(`create index "console_session_api_key_id_index" on "console_session" ("api_key_id");`);
    this.addSql(`create index "console_session_expires_at_index" on "console_session" ("expires_at");`);
    this.addSql(`create table "console_sign_in_link" (
      "id" uuid primary key,
      "token_hash" char(64) not null unique,
      "api_key_id" uuid not null references "api_key" ("id") on delete cascade,
      "created_at" timestamptz not null,
      "expires_at" timestamptz not null,
      "consumed_at" timestamptz null,
      constraint "console_sign_in_link_expiry" check ("expires_at" > "created_at" and "expires_at" <= "created_at" + interval '15 minutes')
    );`);
    this.addSql(`create index "console_sign_in_link_api_key_id_index" on "console_sign_in_link" ("api_key_id");`);
  }

  override down(): void {
    this.addSql(`drop table "console_sign_in_link";`);
    this.addSql(`drop table "console_session";`);
  }
}

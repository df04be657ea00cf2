import { Migration } from '@mikro-orm/migrations';

/**
 * Clearing failures a brand can see: one row per spike whose clearing failed and has not yet
 * succeeded (the solver timed out, failed, or the job hit an unexpected error). The clearing
 * transaction that finally awards the spike deletes the row, so a row means "not cleared, and
 * why the last attempt failed".
 */
export class Migration20261206000000 extends Migration {
  override name = 'Migration20261206000000';

  override up(): void {
    this.addSql(`create table "clearing_failure" (
      "spike_id" uuid primary key references "demand_spike" ("id"),
      "code" text not null check ("code" in ('SOLVER_TIMEOUT', 'SOLVER_FAILED', 'INVALID_INPUT', 'INTERNAL')),
      "message" text not null,
      "attempts" integer not null check ("attempts" > 0),
      "first_failed_at" timestamptz not null,
      "last_failed_at" timestamptz not null
    );`);
  }

  override down(): void {
    this.addSql(`drop table "clearing_failure";`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The latest scoring run by time, as an index. Every eligibility read (each bid, each spike a
 * vendor lists, each clearing) takes the marketplace composite of the latest run, and without an
 * index that was a scan and sort of every run ever made: the quality worker makes one per batch
 * of events (a few a second under load), so bidding slowed down as the history grew.
 */
export class Migration20261207140000 extends Migration {
  override name = 'Migration20261207140000';

  override up(): void {
    this.addSql(`create index "scoring_run_computed_at_idx" on "scoring_run" ("computed_at" desc);`);
  }

  override down(): void {
    this.addSql(`drop index if exists "scoring_run_computed_at_idx";`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Statement entries page (issue 16): a page is the account's entries in (posted_at, id) order after
 * a cursor, and its running balance starts from the sum of every earlier entry of the account.
 * This index serves both: the page as an ordered range scan with no sort, the sum as an
 * index-only scan (ledger entries are append-only, so the visibility map stays set). It covers
 * everything the (account_id, posted_at) index served, which it replaces.
 */
export class Migration20261207220000 extends Migration {
  override name = 'Migration20261207220000';

  override up(): void {
    this.addSql(`create index "ledger_entry_account_posted_index" on "ledger_entry" ("account_id", "posted_at", "id") include ("amount_minor");`);
    this.addSql(`drop index if exists "ledger_entry_account_index";`);
  }

  override down(): void {
    this.addSql(`create index if not exists "ledger_entry_account_index" on "ledger_entry" ("account_id", "posted_at");`);
    this.addSql(`drop index if exists "ledger_entry_account_posted_index";`);
  }
}

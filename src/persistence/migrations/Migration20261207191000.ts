import { Migration } from '@mikro-orm/migrations';

/**
 * A new internal event, `sandbox.clock_advanced`: a sandbox's test clock moved, so the work that
 * fell due on it (clearing, settlement, rescoring with decay) is to run at once. Like every
 * internal event it has an empty audience and is never published.
 */
export class Migration20261207191000 extends Migration {
  override name = 'Migration20261207191000';

  override up(): void {
    this.addSql(`alter table "domain_event" drop constraint "domain_event_kind_check";`);
    this.addSql(`alter table "domain_event" add constraint "domain_event_kind_check" check (
      ("kind" = 'PUBLIC' and "type" in ('demand_spike.posted', 'bid.outcome', 'contract.settled'))
      or ("kind" = 'INTERNAL' and "audience" = '{}' and "type" in (
        'spike.opened', 'spike.closed_early', 'spike.close_moved', 'contract.created', 'delivery.reported',
        'quality.events_accepted', 'quality.policy_changed', 'sandbox.clock_advanced'))
    );`);
  }

  override down(): void {
    this.addSql(`delete from "domain_event" where "type" = 'sandbox.clock_advanced';`);
    this.addSql(`alter table "domain_event" drop constraint "domain_event_kind_check";`);
    this.addSql(`alter table "domain_event" add constraint "domain_event_kind_check" check (
      ("kind" = 'PUBLIC' and "type" in ('demand_spike.posted', 'bid.outcome', 'contract.settled'))
      or ("kind" = 'INTERNAL' and "audience" = '{}' and "type" in (
        'spike.opened', 'spike.closed_early', 'spike.close_moved', 'contract.created', 'delivery.reported',
        'quality.events_accepted', 'quality.policy_changed'))
    );`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox carries internal events too: facts that give the workers something to do (a spike
 * opened, closed early or re-timed, a contract created, delivery reported, quality events
 * accepted, a scoring policy changed), written in the transaction of the change like the public
 * ones, and turned into jobs by the relay. `kind` tells them apart. An internal event has an empty
 * audience and one of the internal types; a public event one of the public types. So no
 * organisation is ever in an internal event's audience, and webhook endpoints, which subscribe to
 * public types only, can never match one. Existing rows are public.
 */
export class Migration20261207130000 extends Migration {
  override name = 'Migration20261207130000';

  override up(): void {
    this.addSql(`alter table "domain_event" add column "kind" text not null default 'PUBLIC';`);
    this.addSql(`alter table "domain_event" alter column "kind" drop default;`);
    this.addSql(`alter table "domain_event" drop constraint "domain_event_type_check";`);
    this.addSql(`alter table "domain_event" add constraint "domain_event_kind_check" check (
      ("kind" = 'PUBLIC' and "type" in ('demand_spike.posted', 'bid.outcome', 'contract.settled'))
      or ("kind" = 'INTERNAL' and "audience" = '{}' and "type" in (
        'spike.opened', 'spike.closed_early', 'spike.close_moved', 'contract.created', 'delivery.reported',
        'quality.events_accepted', 'quality.policy_changed'))
    );`);
  }

  override down(): void {
    this.addSql(`delete from "domain_event" where "kind" = 'INTERNAL';`);
    this.addSql(`alter table "domain_event" drop constraint "domain_event_kind_check";`);
    this.addSql(
      `alter table "domain_event" add constraint "domain_event_type_check" check ("type" in ('demand_spike.posted', 'bid.outcome', 'contract.settled'));`,
    );
    this.addSql(`alter table "domain_event" drop column "kind";`);
  }
}

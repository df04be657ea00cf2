import { Migration } from '@mikro-orm/migrations';

/**
 * Evidence holes (issue 12 item 3, after Migration20261207110000): the rules tightened, and the
 * data the looser rules let in is brought under them. Nothing is deleted: events stay as
 * received (external ids keep deduplicating), observations stay for history, delivery reports
 * (finance's data) are not touched. In DATA_MIGRATION order:
 *
 * 1. Ratings that name a skill their contract does not cover stop counting
 *    (SKILL_NOT_IN_CONTRACT, a new `excluded_reason`): new ones are refused.
 * 2. Ratings on a contract that has not settled, dated or received more than 30 days after its
 *    last interval, stop counting (OUTSIDE_CONTRACT_PERIOD), as new ones are refused.
 * 3. Capacity now uses an AHT of at least 120 s: contacts handled beyond it count at it in the
 *    escalation and complaint denominators (the code clamps the same way when it derives them).
 * 4. Per contract and kind, ratings count up to the contacts the vendor reported (capped at
 *    capacity and at the actuals that count), the earliest received first; the rest are
 *    EXCEEDS_CONTACTS_HANDLED, exactly as `rebalanceRatingEvidence` leaves them after a report.
 * 5. The tallies count the ratings left in play again (counted, or beyond the bound).
 * Scores follow at the next scoring run (at most SCORE_REFRESH_MS later). Running the data
 * statements twice gives the same result.
 */
const CAPACITY = `floor(
    (r."staffed_units"::numeric * 3600 * 4 * (case when s."channel" = 'CHAT' then s."chat_concurrency" else 1 end))
    / (10000 * greatest(120, coalesce((s."intervals" -> r."interval_index" ->> 'ahtSeconds')::numeric, 120)))
  )::bigint`;

/** Per report, its contacts capped at capacity; per interval, the one that counts (the effective-actuals rule). */
const CONTACTS = `capped as (
    select r."contract_id", r."interval_index", r."source",
           least(r."contacts_handled"::bigint, ${CAPACITY}) as "contacts",
           (r."source" = case when s."outsourcing_model" = 'NETWORK_DELIVERED' then 'VENDOR' else 'BRAND' end) as "preferred"
      from "delivery_report" r join "contract" c on c."id" = r."contract_id" join "demand_spike" s on s."id" = c."spike_id"
  ), effective as (
    select distinct on ("contract_id", "interval_index") "contract_id", "interval_index", "contacts"
      from capped order by "contract_id", "interval_index", "preferred" desc
  )`;

export const DATA_MIGRATION: readonly string[] = [
  // 1. Skills the contract does not cover.
  `update "quality_observation" o set "excluded_reason" = 'SKILL_NOT_IN_CONTRACT'
     from "quality_event" e join "contract" c on c."id" = e."contract_id" join "demand_spike" s on s."id" = c."spike_id"
    where o."event_id" = e."id" and e."kind" <> 'AUDIT' and e."skill" is not null and not (e."skill" = any(s."required_skills"))
      and (o."excluded_reason" is null or o."excluded_reason" = 'EXCEEDS_CONTACTS_HANDLED');`,
  // 2. The window of an unsettled contract.
  `update "quality_observation" o set "excluded_reason" = 'OUTSIDE_CONTRACT_PERIOD'
     from "quality_event" e join "contract" c on c."id" = e."contract_id"
    where o."event_id" = e."id" and e."kind" <> 'AUDIT' and (o."excluded_reason" is null or o."excluded_reason" = 'EXCEEDS_CONTACTS_HANDLED')
      and not exists (select 1 from "settlement" x where x."contract_id" = c."id")
      and greatest(e."occurred_at", e."received_at") > c."ends_at" + interval '30 days';`,
  // 3. Denominators at the capacity with the AHT floor.
  `with ${CONTACTS}
   update "quality_observation" o set "amount" = x."contacts", "weight" = x."contacts"
     from effective x
    where o."contract_id" = x."contract_id" and o."interval_index" = x."interval_index"
      and o."metric" in ('ESCALATION', 'COMPLAINT') and o."event_id" is null and o."weight" > x."contacts";`,
  // 4. The bound: contacts the vendor reported, never more than the actuals that count.
  `with ${CONTACTS}, bounds as (
     select v."contract_id", sum(least(v."contacts", x."contacts")) as "bound"
       from capped v join effective x on x."contract_id" = v."contract_id" and x."interval_index" = v."interval_index"
      where v."source" = 'VENDOR' group by 1
   ), ranked as (
     select o."id", row_number() over (partition by e."contract_id", e."kind" order by e."id") as "rank", coalesce(b."bound", 0) as "bound"
       from "quality_observation" o join "quality_event" e on e."id" = o."event_id"
       left join bounds b on b."contract_id" = e."contract_id"
      where e."kind" <> 'AUDIT' and e."contract_id" is not null and (o."excluded_reason" is null or o."excluded_reason" = 'EXCEEDS_CONTACTS_HANDLED')
   )
   update "quality_observation" o set "excluded_reason" = case when ranked."rank" > ranked."bound" then 'EXCEEDS_CONTACTS_HANDLED' end
     from ranked where o."id" = ranked."id" and o."excluded_reason" is distinct from (case when ranked."rank" > ranked."bound" then 'EXCEEDS_CONTACTS_HANDLED' end);`,
  // 5. Tallies.
  `delete from "contract_rating_tally";`,
  `insert into "contract_rating_tally" ("contract_id", "kind", "filed")
   select e."contract_id", e."kind", count(*)
     from "quality_event" e join "quality_observation" o on o."event_id" = e."id"
    where e."kind" <> 'AUDIT' and e."contract_id" is not null and (o."excluded_reason" is null or o."excluded_reason" = 'EXCEEDS_CONTACTS_HANDLED')
    group by 1, 2;`,
];

export class Migration20261207210000 extends Migration {
  override name = 'Migration20261207210000';

  override up(): void {
    this.addSql(`alter table "quality_observation" drop constraint "quality_observation_excluded_reason_check",
      add constraint "quality_observation_excluded_reason_check"
      check ("excluded_reason" in ('NO_CONTRACT', 'IN_HOUSE', 'OUTSIDE_CONTRACT_PERIOD', 'EXCEEDS_CONTACTS_HANDLED', 'SKILL_NOT_IN_CONTRACT'));`);
    for (const sql of DATA_MIGRATION) this.addSql(sql);
  }

  override down(): void {
    this.addSql(`update "quality_observation" set "excluded_reason" = 'OUTSIDE_CONTRACT_PERIOD' where "excluded_reason" = 'SKILL_NOT_IN_CONTRACT';`);
    this.addSql(`alter table "quality_observation" drop constraint "quality_observation_excluded_reason_check",
      add constraint "quality_observation_excluded_reason_check"
      check ("excluded_reason" in ('NO_CONTRACT', 'IN_HOUSE', 'OUTSIDE_CONTRACT_PERIOD', 'EXCEEDS_CONTACTS_HANDLED'));`);
  }
}

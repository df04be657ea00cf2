import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/domain/shared/ids.js';
import { DATA_MIGRATION } from '../src/persistence/migrations/Migration20261207210000.js';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aDeliveredSpike } from './support/quality-fixtures.js';

/**
 * Migration20261207210000 on data the looser rules let in: a rating naming a skill its contract
 * does not cover, a rating on an unsettled contract long after it ended, contacts beyond the
 * capacity of a 1-second AHT, and ratings beyond the contacts the vendor reported but within what
 * the brand's own report claimed. The data statements run on rows written the old way, twice, to
 * the same result.
 */
let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

const DAY = 86_400_000;
const sql = <T = Record<string, any>>(text: string, params: unknown[] = []) => h.orm.em.getConnection().execute<T[]>(text, params);
let seq = 0;

/** A CSAT and its observation as the code before the migration stored them, with the tally it kept. */
async function legacyCsat(vendorId: string, contractId: string, extra: { skill?: string; at?: Date } = {}): Promise<void> {
  const id = uuidv7();
  const at = extra.at ?? h.clock.now();
  await sql(
    `insert into quality_event (id, submitted_by, vendor_id, contract_id, kind, value, skill, occurred_at, external_id, payload_hash, source, received_at)
     values (?, ?, ?, ?, 'CSAT', 5, ?, ?, ?, ?, 'GRAPHQL', ?)`,
    [id, m.brand.id, vendorId, contractId, extra.skill ?? null, at, `legacy-hole-${++seq}`, 'x'.repeat(64), h.clock.now()],
  );
  await sql(
    `insert into quality_observation (id, vendor_id, metric, scopes, amount, weight, observed_at, recorded_at, event_id) values (?, ?, 'CSAT', '{}', 1, 1, ?, ?, ?)`,
    [uuidv7(), vendorId, at, h.clock.now(), id],
  );
  await sql(
    `insert into contract_rating_tally (contract_id, kind, filed) values (?, 'CSAT', 1)
     on conflict (contract_id, kind) do update set filed = contract_rating_tally.filed + 1`,
    [contractId],
  );
}
const migrate = () =>
  h.orm.em.fork().transactional(async (em) => {
    for (const statement of DATA_MIGRATION) await em.execute(statement);
  });
const reasons = async (contractId: string) =>
  (
    await sql<{ reason: string | null }>(
      `select o.excluded_reason as reason from quality_observation o join quality_event e on e.id = o.event_id where e.contract_id = ? order by e.id`,
      [contractId],
    )
  ).map((r) => r.reason);

describe('Migration20261207210000', () => {
  it('excludes ratings the tightened rules refuse and caps denominators at the floored capacity', async () => {
    // A: 40 contacts per interval (160); one rating names a skill outside the contract, one is dated 31 days after it ended.
    const contractA = (await aDeliveredSpike(h, m.brand, [{ vendor: m.vendorA, seats: 2, rate: '2000' }])).contractOf.get(m.vendorA.id)!;
    const [{ ends_at: endsAt }] = (await sql<{ ends_at: Date }>('select ends_at from contract where id = ?', [contractA])) as [{ ends_at: Date }];
    await legacyCsat(m.vendorA.id, contractA, { skill: 'billing' });
    await legacyCsat(m.vendorA.id, contractA, { skill: 'es-ES' });
    await legacyCsat(m.vendorA.id, contractA, { at: new Date(new Date(endsAt).getTime() + 31 * DAY) });
    await legacyCsat(m.vendorA.id, contractA);

    // C (ENTERPRISE_ROUTED): the vendor reported 1 contact per interval, the brand 120; six surveys were taken.
    const contractC = (await aDeliveredSpike(h, m.brand, [{ vendor: m.vendorC, seats: 2, rate: '2000' }], 1)).contractOf.get(m.vendorC.id)!;
    const reports = [0, 1, 2, 3].map((intervalIndex) => ({ intervalIndex, staffedSeatHours: 1, contactsHandled: 120, serviceLevelAchieved: null }));
    expect(ok(await gql(h.url, op.REPORT_DELIVERY, { input: { contractId: contractC, reports } }, m.brand.key)).reportDelivery.__typename).toBe(
      'DeliveryReceipt',
    );
    for (let i = 0; i < 6; i++) await legacyCsat(m.vendorC.id, contractC);

    // B (NETWORK_DELIVERED, AHT 1 s): 7,000 contacts in half a seat-hour were let in (60 at most now).
    const contractB = (
      await aDeliveredSpike(h, m.brand, [{ vendor: m.vendorB, seats: 1, rate: '2000' }], 40, (base) => ({
        outsourcingModel: 'NETWORK_DELIVERED',
        intervals: base.intervals.map((iv: { startsAt: string }) => ({ startsAt: iv.startsAt, forecastContacts: 2_000, ahtSeconds: 1 })),
      }))
    ).contractOf.get(m.vendorB.id)!;
    const [{ seats }] = (await sql<{ seats: { index: number; seats: number }[] }>('select seats from contract where id = ?', [contractB])) as [
      { seats: { index: number; seats: number }[] },
    ];
    const cap = (seats[0]!.seats / 2) * 120;
    await sql(`update delivery_report set contacts_handled = 7000 where contract_id = ? and interval_index = 0`, [contractB]);
    await sql(
      `update quality_observation set amount = 7000, weight = 7000 where contract_id = ? and interval_index = 0 and metric in ('ESCALATION', 'COMPLAINT')`,
      [contractB],
    );

    for (let run = 1; run <= 2; run++) {
      await migrate();
      expect(await reasons(contractA)).toEqual([null, 'SKILL_NOT_IN_CONTRACT', 'OUTSIDE_CONTRACT_PERIOD', null]);
      // Ordered by id: four within the vendor's 4 contacts, two beyond.
      expect(await reasons(contractC)).toEqual([null, null, null, null, 'EXCEEDS_CONTACTS_HANDLED', 'EXCEEDS_CONTACTS_HANDLED']);
      expect(await sql(`select contract_id, filed from contract_rating_tally order by contract_id`)).toEqual(
        [
          { contract_id: contractA, filed: 2 },
          { contract_id: contractC, filed: 6 },
        ].sort((a, b) => (a.contract_id < b.contract_id ? -1 : 1)),
      );
      expect(
        await sql(
          `select metric, amount, weight from quality_observation where contract_id = ? and interval_index = 0 and metric in ('ESCALATION', 'COMPLAINT') order by metric`,
          [contractB],
        ),
      ).toEqual([
        { metric: 'COMPLAINT', amount: cap, weight: cap },
        { metric: 'ESCALATION', amount: cap, weight: cap },
      ]);
      expect(await sql(`select contacts_handled from delivery_report where contract_id = ? and interval_index = 0`, [contractB])).toEqual([
        { contacts_handled: 7000 },
      ]);
    }
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storedQualityScores } from '../src/domain/quality/quality-scores.js';
import { uuidv7 } from '../src/domain/shared/ids.js';
import { DATA_MIGRATION } from '../src/persistence/migrations/Migration20261207110000.js';
import { aMarket, type Market } from './support/builders.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { aDeliveredSpike } from './support/quality-fixtures.js';

/**
 * Migration20261207110000 on data the old rules let in: brand audits that suspended vendors
 * marketplace-wide, ratings without a contract, of an in-house team, outside the contract's
 * period, beyond its contacts handled, and contacts handled beyond capacity. The data statements
 * run on rows written the old way (the schema is already migrated), twice, to the same result.
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

const sql = <T = Record<string, any>>(text: string, params: unknown[] = []) => h.orm.em.getConnection().execute<T[]>(text, params);
const minutesAgo = (n: number) => new Date(h.clock.now().getTime() - n * 60_000);
let seq = 0;

/** An event (and its observation, for a rating) as the code before the migration stored them. */
async function legacy(e: {
  by: string;
  vendorId: string;
  kind: string;
  contractId?: string;
  value?: number;
  auditResult?: string;
  at?: Date;
}): Promise<string> {
  const id = uuidv7();
  const at = e.at ?? h.clock.now();
  await sql(
    `insert into quality_event (id, submitted_by, vendor_id, contract_id, kind, value, audit_result, occurred_at, external_id, payload_hash, source, received_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'GRAPHQL', ?)`,
    [id, e.by, e.vendorId, e.contractId ?? null, e.kind, e.value ?? null, e.auditResult ?? null, at, `legacy-${++seq}`, 'x'.repeat(64), h.clock.now()],
  );
  if (e.kind === 'CSAT') {
    await sql(
      `insert into quality_observation (id, vendor_id, metric, scopes, amount, weight, observed_at, recorded_at, event_id) values (?, ?, 'CSAT', '{}', ?, 1, ?, ?, ?)`,
      [uuidv7(), e.vendorId, ((e.value ?? 3) - 1) / 4, at, h.clock.now(), id],
    );
  }
  return id;
}

const migrate = () =>
  h.orm.em.fork().transactional(async (em) => {
    for (const statement of DATA_MIGRATION) await em.execute(statement);
  });
const reasons = async (vendorId: string) =>
  (
    await sql<{ reason: string | null }>(
      `select o.excluded_reason as reason from quality_observation o join quality_event e on e.id = o.event_id where o.vendor_id = ? order by e.id`,
      [vendorId],
    )
  ).map((r) => r.reason);

describe('Migration20261207110000', () => {
  it('moves brand audits to brand scope, refolds the marketplace state from the operator’s audits, and excludes out-of-bounds ratings', async () => {
    const d = await aDeliveredSpike(
      h,
      m.brand,
      [
        { vendor: m.vendorA, seats: 2, rate: '2000' },
        { vendor: m.inHouse, seats: 10, rate: '2200' },
      ],
      1,
    );
    const [contractA, contractTeam] = [d.contractOf.get(m.vendorA.id)!, d.contractOf.get(m.inHouse.id)!];
    const operator = (await sql<{ id: string }>(`select id from organization where kind = 'OPERATOR'`))[0]!.id;

    // B: suspended marketplace-wide by nothing but the brand's FAIL.
    const brandFail = await legacy({ by: m.brand.id, vendorId: m.vendorB.id, kind: 'AUDIT', auditResult: 'FAIL', at: minutesAgo(5) });
    await sql(`insert into vendor_audit (vendor_id, state, event_id, occurred_at, updated_at) values (?, 'FAIL', ?, ?, now())`, [
      m.vendorB.id,
      brandFail,
      minutesAgo(5),
    ]);
    // C: the operator's FAIL, a CONDITIONAL after it, then the brand's PASS, which lifted it.
    await legacy({ by: operator, vendorId: m.vendorC.id, kind: 'AUDIT', auditResult: 'FAIL', at: minutesAgo(3) });
    await legacy({ by: operator, vendorId: m.vendorC.id, kind: 'AUDIT', auditResult: 'CONDITIONAL', at: minutesAgo(2) });
    const brandPass = await legacy({ by: m.brand.id, vendorId: m.vendorC.id, kind: 'AUDIT', auditResult: 'PASS', at: minutesAgo(1) });
    await sql(`insert into vendor_audit (vendor_id, state, event_id, occurred_at, updated_at) values (?, 'PASS', ?, ?, now())`, [
      m.vendorC.id,
      brandPass,
      minutesAgo(1),
    ]);

    // A's contract handled 4 contacts; six surveys were taken on it, one dated before it started, one about no contract.
    const [{ starts_at: startsAt }] = (await sql<{ starts_at: Date }>('select starts_at from contract where id = ?', [contractA])) as [{ starts_at: Date }];
    await legacy({
      by: m.brand.id,
      vendorId: m.vendorA.id,
      kind: 'CSAT',
      value: 5,
      contractId: contractA,
      at: new Date(new Date(startsAt).getTime() - 60_000),
    });
    for (let i = 0; i < 6; i++) await legacy({ by: m.brand.id, vendorId: m.vendorA.id, kind: 'CSAT', value: 5, contractId: contractA });
    await legacy({ by: operator, vendorId: m.vendorA.id, kind: 'CSAT', value: 1 });
    // The brand rated its own in-house team, and the team (8 seats after A's 2) claimed 100,000 contacts in 4 staffed seat-hours (480 at most).
    await legacy({ by: m.brand.id, vendorId: m.inHouse.id, kind: 'CSAT', value: 5, contractId: contractTeam });
    await sql(`update delivery_report set contacts_handled = 100000 where contract_id = ? and interval_index = 0`, [contractTeam]);
    await sql(
      `update quality_observation set amount = 100000, weight = 100000 where contract_id = ? and interval_index = 0 and metric in ('ESCALATION', 'COMPLAINT')`,
      [contractTeam],
    );

    for (let run = 1; run <= 2; run++) {
      await migrate();
      expect(await sql(`select vendor_id, state from vendor_audit order by vendor_id`)).toEqual([{ vendor_id: m.vendorC.id, state: 'FAIL' }]);
      expect(await sql(`select brand_id, vendor_id, state from brand_vendor_audit order by vendor_id`)).toEqual(
        [
          { brand_id: m.brand.id, vendor_id: m.vendorB.id, state: 'FAIL' },
          { brand_id: m.brand.id, vendor_id: m.vendorC.id, state: 'PASS' },
        ].sort((a, b) => (a.vendor_id < b.vendor_id ? -1 : 1)),
      );
      expect(await sql(`select count(*)::int as n from quality_event where audit_brand_id = ?`, [m.brand.id])).toEqual([{ n: 2 }]);

      // Ordered by id: the early one, six on the contract (the last two beyond its 4 contacts), the operator's without a contract.
      expect(await reasons(m.vendorA.id)).toEqual([
        'OUTSIDE_CONTRACT_PERIOD',
        null,
        null,
        null,
        null,
        'EXCEEDS_CONTACTS_HANDLED',
        'EXCEEDS_CONTACTS_HANDLED',
        'NO_CONTRACT',
      ]);
      expect(await reasons(m.inHouse.id)).toEqual(['IN_HOUSE']);
      // The bound's tally: the six in play on A's contract (four counted, two beyond it).
      expect(await sql(`select contract_id, kind, filed from contract_rating_tally order by contract_id`)).toEqual([
        { contract_id: contractA, kind: 'CSAT', filed: 6 },
      ]);
      expect(
        await sql(
          `select metric, amount, weight from quality_observation where contract_id = ? and interval_index = 0 and metric in ('ESCALATION', 'COMPLAINT') order by metric`,
          [contractTeam],
        ),
      ).toEqual([
        { metric: 'COMPLAINT', amount: 480, weight: 480 },
        { metric: 'ESCALATION', amount: 480, weight: 480 },
      ]);
      // Delivery reports, finance's data, are left as they were.
      expect(await sql(`select contacts_handled from delivery_report where contract_id = ? and interval_index = 0`, [contractTeam])).toEqual([
        { contacts_handled: 100000 },
      ]);
    }

    // B bids everywhere but on the brand's spikes; C is suspended everywhere.
    const standings = await storedQualityScores.standingsOf(h.orm.em.fork() as never, [m.vendorB.id, m.vendorC.id], { skills: [], channel: null });
    expect(standings.get(m.vendorB.id)).toMatchObject({ suspended: false, excludedByBrands: [m.brand.id] });
    expect(standings.get(m.vendorC.id)).toMatchObject({ suspended: true, excludedByBrands: [] });
  });
});

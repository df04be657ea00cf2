import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/domain/access/principal.js';
import { eventsById } from '../src/domain/events/outbox.js';
import { mayReceive } from '../src/domain/events/watch-events.js';
import { webhookTargets } from '../src/domain/webhooks/deliveries.js';
import { aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { eventually, outboxRelayed, resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import { subscribe } from './support/ws-client.js';
import * as op from './support/operations.js';
import { aSandbox, aWorldCycle as cycle, settledRowCounts, withoutRetries, type SandboxWorld, type WorldObjects } from './support/sandbox.js';

/**
 * Live and sandbox worlds never touch (PRODUCT.md section 13): every cross-world read, by id and
 * through lists, and every cross-world write is refused, in both directions, and a refused write
 * changes no row. PostgreSQL refuses a row that pairs two worlds even when the code is bypassed.
 */
let h: Harness;
let m: Market;
let s: SandboxWorld;
let liveFinance: string;
let live: WorldObjects;
let sand: WorldObjects;

beforeAll(async () => {
  h = await startHarness({ workers: true });
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  const operatorOrg = ok(await gql(h.url, op.ME, {}, h.operatorKey)).me.organization.id;
  liveFinance = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: operatorOrg, role: 'FINANCE', label: 'f' } }, h.operatorKey)).issueApiKey.secret;
  s = await aSandbox(h.url, m.brand.key);
  live = await cycle({ url: h.url, clock: h.clock, brand: m.brand.key, vendor: m.vendorA, operator: h.operatorKey, finance: liveFinance });
  sand = await cycle({ url: h.url, clock: s.clock, brand: s.brand.key, vendor: s.outsourcers[0], operator: s.operator.key, finance: s.operator.financeKey });
}, 60_000);
afterAll(async () => h?.close());

const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code;
const ORGANIZATION = `query($id: UUID!) { organization(id: $id) { id } }`;

describe('reads never cross worlds', () => {
  it('by id: every object of the other world is NOT_FOUND, in both directions', async () => {
    const pairs: [WorldObjects, Record<string, string>][] = [
      [live, { brand: s.brand.key, vendor: s.outsourcers[0].key, operator: s.operator.key, finance: s.operator.financeKey, brandFinance: s.brand.financeKey }],
      [sand, { brand: m.brand.key, vendor: m.vendorA.key, operator: h.operatorKey, finance: liveFinance, brandFinance: m.brand.financeKey }],
    ];
    for (const [target, keys] of pairs) {
      const reads: [string, Record<string, unknown>, string][] = [
        [op.SPIKE, { id: target.spikeId }, keys.operator!],
        [op.SPIKE, { id: target.spikeId }, keys.vendor!],
        [op.SPIKE, { id: target.spikeId }, keys.brand!],
        [op.BID, { id: target.bidId }, keys.operator!],
        [op.BIDS_FOR_SPIKE, { id: target.spikeId }, keys.operator!],
        [op.CLEARING_RESULT, { id: target.spikeId }, keys.operator!],
        [op.ROUTING_PLAN, { id: target.spikeId }, keys.operator!],
        [op.CONTRACT, { id: target.contractId }, keys.operator!],
        [op.CONTRACT, { id: target.contractId }, keys.finance!],
        [op.INVOICE, { id: target.invoiceId }, keys.finance!],
        [op.INVOICE, { id: target.invoiceId }, keys.brandFinance!],
        [op.STATEMENT, { id: target.accountId, from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' }, keys.finance!],
        [ORGANIZATION, { id: target.vendorId }, keys.brand!],
        [op.SCORECARD, { id: target.vendorId }, keys.operator!],
        [op.SCORECARD, { id: target.vendorId }, keys.brand!],
        [op.SCORE_HISTORY, { id: target.vendorId }, keys.operator!],
        [op.WEBHOOK_DELIVERIES, { id: target.endpointId }, keys.operator!],
      ];
      for (const [query, variables, key] of reads) {
        const r = await gql(h.url, query, variables, key);
        expect({ query: query.slice(0, 40), code: code(r) }).toEqual({ query: query.slice(0, 40), code: 'NOT_FOUND' });
      }
      expect(ok(await gql(h.url, op.API_KEYS, { org: target.vendorId }, keys.operator!)).apiKeys.nodes).toEqual([]);
    }
  });

  it('through lists: spikes, bids, contracts, invoices, balances, accruals, rankings, organisations and endpoints show one world only', async () => {
    const lists = async (keys: { brand: string; vendor: string; operator: string; finance: string }) => ({
      open: ok(await gql(h.url, op.OPEN_SPIKES, { first: 100 }, keys.vendor)).openDemandSpikes.nodes.map((n: { id: string }) => n.id),
      spikes: ok(await gql(h.url, op.SPIKES, { first: 100 }, keys.operator)).demandSpikes.nodes.map((n: { id: string }) => n.id),
      myBids: ok(await gql(h.url, op.MY_BIDS, { first: 100 }, keys.vendor)).myBids.nodes.map((n: { id: string }) => n.id),
      contracts: ok(await gql(h.url, op.CONTRACTS, { first: 100 }, keys.operator)).contracts.nodes.map((n: { id: string }) => n.id),
      invoices: ok(await gql(h.url, op.INVOICES, { first: 100 }, keys.finance)).invoices.nodes.map((n: { id: string }) => n.id),
      balances: ok(await gql(h.url, op.BALANCES, {}, keys.finance)).ledgerBalances.nodes.map((n: { accountId: string }) => n.accountId),
      accruals: ok(await gql(h.url, op.ACCRUALS, {}, keys.finance)).accruals.nodes.map((n: { contractId: string }) => n.contractId),
      rankings: ok(await gql(h.url, op.RANKINGS, { first: 100 }, keys.operator)).vendorRankings.nodes.map((n: { vendorId: string }) => n.vendorId),
      brandRankings: ok(await gql(h.url, op.RANKINGS, { first: 100 }, keys.brand)).vendorRankings.nodes.map((n: { vendorId: string }) => n.vendorId),
      organizations: ok(await gql(h.url, op.ORGANIZATIONS, { first: 100 }, keys.operator)).organizations.nodes.map((n: { id: string }) => n.id),
      endpoints: ok(await gql(h.url, op.WEBHOOK_ENDPOINTS, { first: 100 }, keys.operator)).webhookEndpoints.nodes.map((n: { id: string }) => n.id),
    });
    const liveLists = await lists({ brand: m.brand.key, vendor: m.vendorA.key, operator: h.operatorKey, finance: liveFinance });
    const sandLists = await lists({ brand: s.brand.key, vendor: s.outsourcers[0].key, operator: s.operator.key, finance: s.operator.financeKey });
    const sandboxOrgs = [s.brand, s.inHouse, ...s.outsourcers, s.operator].map((p) => p.id);
    const liveOrgs = [m.brand, m.otherBrand, m.vendorA, m.vendorB, m.vendorC, m.inHouse, m.otherInHouse].map((p) => p.id);
    const sandIds = new Set([...Object.values(sand), ...sandboxOrgs]);
    const liveIds = new Set([...Object.values(live), ...liveOrgs]);
    for (const [name, ids] of Object.entries(liveLists))
      expect({ name, crossing: ids.filter((id: string) => sandIds.has(id)) }).toEqual({ name, crossing: [] });
    for (const [name, ids] of Object.entries(sandLists))
      expect({ name, crossing: ids.filter((id: string) => liveIds.has(id)) }).toEqual({ name, crossing: [] });
    // And each world does see its own.
    expect(sandLists.spikes).toEqual([sand.spikeId]);
    expect(sandLists.invoices).toEqual([sand.invoiceId]);
    expect(sandLists.rankings.sort()).toEqual([s.inHouse.id, ...s.outsourcers.map((o) => o.id)].sort());
    expect(liveLists.contracts).toEqual([live.contractId]);
  });

  it('subscriptions and webhooks: the operator receives its own world’s events only', async () => {
    await outboxRelayed(h);
    const rows = await h.orm.em
      .getConnection()
      .execute<{ id: string; sandbox_id: string | null }[]>(`select id, sandbox_id from domain_event where kind = 'PUBLIC'`);
    const events = await eventsById(
      h.orm.em.fork(),
      rows.map((r) => r.id),
    );
    const sandboxEvents = events.filter((e) => e.sandboxId === s.id);
    const liveEvents = events.filter((e) => !e.sandboxId);
    expect(sandboxEvents.length).toBeGreaterThan(0);
    expect(liveEvents.length).toBeGreaterThan(0);
    const liveOperator = { organizationKind: 'OPERATOR', organizationId: 'x', sandboxId: null } as unknown as Principal;
    const sandOperator = { organizationKind: 'OPERATOR', organizationId: s.operator.id, sandboxId: s.id } as unknown as Principal;
    expect(sandboxEvents.filter((e) => mayReceive(liveOperator, e))).toEqual([]);
    expect(liveEvents.filter((e) => mayReceive(sandOperator, e))).toEqual([]);
    const targets = await webhookTargets(h.orm.em.fork(), events);
    for (const t of targets) {
      const event = events.find((e) => e.id === t.eventId)!;
      expect(t.endpointId).toBe(event.sandboxId ? sand.endpointId : live.endpointId);
    }
    const deliveries = await h.orm.em.getConnection().execute<{ n: number }[]>(
      `select count(*)::int as n from webhook_delivery d join domain_event e on e.id = d.event_id join webhook_endpoint w on w.id = d.endpoint_id
        join organization o on o.id = w.organization_id where o.sandbox_id is distinct from e.sandbox_id`,
    );
    expect(deliveries[0]!.n).toBe(0);
  });
});

describe('subscriptions over graphql-ws', () => {
  it('the live operator and the sandbox’s operator view each receive their own world’s settlements only', async () => {
    const liveSub = subscribe(h.wsUrl, h.operatorKey, op.CONTRACT_SETTLED);
    const sandSub = subscribe(h.wsUrl, s.operator.key, op.CONTRACT_SETTLED);
    try {
      await eventually(async () => (h.events.listenerCount('contract.settled') >= 2 ? true : null), 10_000);
      // The other world's settlement first, then each world's own: the own one arriving proves the other was passed over.
      const sandNext = await cycle({
        url: h.url,
        clock: s.clock,
        brand: s.brand.key,
        vendor: s.outsourcers[0],
        operator: s.operator.key,
        finance: s.operator.financeKey,
      });
      const liveNext = await cycle({ url: h.url, clock: h.clock, brand: m.brand.key, vendor: m.vendorB, operator: h.operatorKey, finance: liveFinance });
      const settledId = (r: { data?: Record<string, any> | null }) => r.data?.contractSettled?.contract?.id as string | undefined;
      await liveSub.waitFor((r) => settledId(r) === liveNext.contractId, 10_000);
      await sandSub.waitFor((r) => settledId(r) === sandNext.contractId, 10_000);
      expect(liveSub.received.map(settledId)).not.toContain(sandNext.contractId);
      expect(sandSub.received.map(settledId)).not.toContain(liveNext.contractId);
    } finally {
      await liveSub.dispose();
      await sandSub.dispose();
    }
  });
});

describe('writes never cross worlds', () => {
  it('bids, closes, payments, ratings, keys, profiles and onboarding across worlds are refused, and write nothing', async () => {
    const liveSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
    const sandSpike = await anOpenSpike(h.url, s.clock, s.brand.key);
    // Let the earlier tests' work settle (webhook retries to the unreachable endpoints, rescoring).
    await outboxRelayed(h);
    const before = withoutRetries(await settledRowCounts(h));
    const refusals: [string, Record<string, unknown>, string][] = [
      [
        op.PLACE_BID,
        { input: { spikeId: liveSpike, rate: { amountMinor: '2500', currency: 'USD' }, offered: [{ index: 0, seats: 1 }] }, key: 'x1' },
        s.outsourcers[0].key,
      ],
      [
        op.PLACE_BID,
        { input: { spikeId: sandSpike, rate: { amountMinor: '2500', currency: 'USD' }, offered: [{ index: 0, seats: 1 }] }, key: 'x2' },
        m.vendorA.key,
      ],
      [op.CLOSE, { id: liveSpike }, s.operator.key],
      [op.CLOSE, { id: sandSpike }, h.operatorKey],
      [op.CANCEL, { id: liveSpike }, s.operator.key],
      [op.PAY, { input: { invoiceId: live.invoiceId, amount: { amountMinor: '1', currency: 'USD' } }, key: 'p1' }, s.operator.key],
      [op.PAY, { input: { invoiceId: sand.invoiceId, amount: { amountMinor: '1', currency: 'USD' } }, key: 'p2' }, h.operatorKey],
      [op.SETTLE, { id: live.contractId }, s.operator.key],
      [op.ISSUE_KEY, { input: { organizationId: m.vendorA.id, role: 'VENDOR', label: 'x' } }, s.operator.key],
      [op.ISSUE_KEY, { input: { organizationId: s.outsourcers[0].id, role: 'VENDOR', label: 'x' } }, h.operatorKey],
      [op.UPDATE_VENDOR, { input: { vendorId: m.vendorA.id, status: 'SUSPENDED' } }, s.operator.key],
      [
        op.REPORT_DELIVERY,
        { input: { contractId: live.contractId, reports: [{ intervalIndex: 0, staffedSeatHours: 1, contactsHandled: 1 }] } },
        s.outsourcers[0].key,
      ],
      [op.REGISTER_WEBHOOK, { input: { organizationId: m.brand.id, url: 'http://127.0.0.1:9/x', eventTypes: ['CONTRACT_SETTLED'] } }, s.operator.key],
      [op.SET_SCORING_POLICY, { input: { priorWeight: 20, halfLifeDays: 30, weights: op.DEFAULT_WEIGHTS } }, s.operator.key],
    ];
    for (const [query, variables, key] of refusals) {
      const r = await gql(h.url, query, variables, key);
      const data = r.data ? (Object.values(r.data)[0] as { __typename?: string } | null) : null;
      expect({
        query: query.slice(0, 50),
        refused: ['NOT_FOUND', 'FORBIDDEN'].includes(code(r) ?? '') || (data?.__typename?.endsWith('Error') ?? false),
      }).toEqual({
        query: query.slice(0, 50),
        refused: true,
      });
    }
    // A rating of the other world's vendor: an unknown vendor, rejected in the receipt.
    const rating = ok(
      await gql(
        h.url,
        op.RECORD_EVENTS,
        {
          input: {
            events: [
              { externalId: 'r1', kind: 'CSAT', vendorId: m.vendorA.id, contractId: live.contractId, score: 5, occurredAt: s.clock.now().toISOString() },
            ],
          },
        },
        s.brand.key,
      ),
    ).recordQualityEvents;
    expect(rating.accepted).toBe(0);
    // Onboarding by the sandbox's operator view lands in the sandbox, and cannot hang a team on a live brand.
    const team = ok(
      await gql(h.url, op.CREATE_ORG, { input: { name: 'Cross team', kind: 'VENDOR', vendorType: 'IN_HOUSE', parentBrandId: m.brand.id } }, s.operator.key),
    ).createOrganization;
    expect(team.__typename).toBe('ValidationError');
    expect(withoutRetries(await rowCounts(h.orm))).toEqual(before);
  });

  it('PostgreSQL refuses a bid, contract, invoice, rating, in-house team or ledger transaction that pairs two worlds', async () => {
    const conn = h.orm.em.getConnection();
    const refused = async (sql: string, params: unknown[]) => {
      const error = await conn.execute(sql, params).then(
        () => null,
        (e: unknown) => e as { constraint?: string; message?: string },
      );
      return String(error?.constraint ?? error?.message ?? 'accepted');
    };
    const bid = await conn.execute<Record<string, unknown>[]>('select * from bid where id = ?', [live.bidId]);
    const b = bid[0]!;
    const cols = Object.keys(b);
    const values = cols.map((c) =>
      c === 'id' ? '0190aaaa-0000-7000-8000-000000000001' : c === 'vendor_id' ? s.outsourcers[1].id : c === 'idempotency_key' ? 'cross' : b[c],
    );
    const placeholders = cols.map((c) => (typeof b[c] === 'object' && b[c] !== null && !(b[c] instanceof Date) ? '?::jsonb' : '?'));
    expect(
      await refused(
        `insert into bid (${cols.join(', ')}) values (${placeholders.join(', ')})`,
        values.map((v) => (typeof v === 'object' && v !== null && !(v instanceof Date) ? JSON.stringify(v) : v)),
      ),
    ).toContain('world_boundary');
    expect(await refused('update contract set vendor_id = ? where id = ?', [s.outsourcers[0].id, live.contractId])).toContain('world_boundary');
    expect(await refused('update invoice set brand_id = ? where id = ?', [s.brand.id, live.invoiceId])).toContain('world_boundary');
    expect(await refused('update organization set parent_brand_id = ? where id = ?', [s.brand.id, m.inHouse.id])).toContain('world_boundary');
    expect(await refused('update organization set sandbox_id = null where id = ?', [s.brand.id])).toContain('world_boundary');
    expect(
      await refused(
        `insert into quality_event (id, submitted_by, vendor_id, kind, value, occurred_at, external_id, payload_hash, source, received_at)
         values ('0190aaaa-0000-7000-8000-000000000002', ?, ?, 'CSAT', 5, now(), 'x', repeat('0', 64), 'GRAPHQL', now())`,
        [s.brand.id, m.vendorA.id],
      ),
    ).toContain('world_boundary');
    // A ledger transaction across books: a balanced pair of entries on a live and a sandbox account.
    const txSql = `with t as (insert into ledger_transaction (id, kind, idempotency_key, currency, invoice_id, settlement_id, description, posted_at)
                     values ('0190aaaa-0000-7000-8000-000000000003', 'PAYMENT', 'cross-book', 'USD', null, null, 'x', now()) returning id)
                   insert into ledger_entry (id, transaction_id, account_id, amount_minor, posted_at)
                   select * from (values ('0190aaaa-0000-7000-8000-000000000004'::uuid, (select id from t), ?::uuid, 1::bigint, now()),
                                         ('0190aaaa-0000-7000-8000-000000000005'::uuid, (select id from t), ?::uuid, -1::bigint, now())) v`;
    expect(await refused(txSql, [live.accountId, sand.accountId])).toMatch(/world_boundary|ledger/);
  });
});

describe('deleting a sandbox', () => {
  it('revokes its keys at once and leaves the live world as it was', async () => {
    const other = await aSandbox(h.url, m.vendorB.key, 'Doomed');
    expect(ok(await gql(h.url, op.ME, {}, other.brand.key)).me.role).toBe('BRAND');
    const liveBefore = ok(await gql(h.url, op.CONTRACTS, { first: 100 }, h.operatorKey)).contracts.nodes;
    // Only its creator (or its own operator view) may delete it.
    expect(code(await gql(h.url, `mutation($id: UUID!) { deleteSandbox(sandboxId: $id) { id } }`, { id: other.id }, m.vendorA.key))).toBe('NOT_FOUND');
    expect(code(await gql(h.url, `mutation($id: UUID!) { deleteSandbox(sandboxId: $id) { id } }`, { id: other.id }, s.operator.key))).toBe('NOT_FOUND');
    const deleted = ok(
      await gql(h.url, `mutation($id: UUID!) { deleteSandbox(sandboxId: $id) { id deletedAt } }`, { id: other.id }, m.vendorB.key),
    ).deleteSandbox;
    expect(deleted.deletedAt).not.toBeNull();
    for (const key of other.secrets) expect(code(await gql(h.url, op.ME, {}, key))).toBe('UNAUTHENTICATED');
    expect(ok(await gql(h.url, op.CONTRACTS, { first: 100 }, h.operatorKey)).contracts.nodes).toEqual(liveBefore);
    expect(code(await gql(h.url, `mutation($id: UUID!) { deleteSandbox(sandboxId: $id) { id } }`, { id: other.id }, m.vendorB.key))).toBe('NOT_FOUND');
  });

  it('a key never authenticates in the other world’s form (a live key with bx_test_, a sandbox key without)', async () => {
    const liveAsTest = h.operatorKey.replace(/^bx_/, 'bx_test_');
    expect(code(await gql(h.url, op.ME, {}, liveAsTest))).toBe('UNAUTHENTICATED');
    const testAsLive = s.brand.key.replace(/^bx_test_/, 'bx_');
    expect(code(await gql(h.url, op.ME, {}, testAsLive))).toBe('UNAUTHENTICATED');
  });
});

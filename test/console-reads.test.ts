import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { ClearingError } from '../src/domain/clearing/solve-clearing.js';
import { recordClearingFailure } from '../src/domain/clearing/clearing-failure.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { loadersOf } from '../src/graphql/common/loaders.js';
import type { Context } from '../src/graphql/context.js';
import { aBid, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { aStaffingInput } from './support/console-builders.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

/** The API reads the web console needs (issue 14): previewStaffing, the operator's lists, names and objects behind ids. */
let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness();
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});
afterAll(async () => {
  await h.close();
});

describe('previewStaffing', () => {
  it('derives exactly what postDemandSpike stores, and writes nothing', async () => {
    const input = aStaffingInput(h.clock);
    const before = await rowCounts(h.orm);
    const preview = ok(await gql(h.url, op.PREVIEW_STAFFING, { input }, m.brand.key)).previewStaffing;
    expect(await rowCounts(h.orm)).toEqual(before);
    expect(preview.__typename).toBe('StaffingPreview');
    // The published example: 14 agents, 20 seats with 30% shrinkage, SL ≈ 88.8%; no traffic needs nothing.
    expect(preview.intervals.map((i: any) => [i.agents, i.requiredSeats])).toEqual([
      [14, 20],
      [0, 0],
      [null, 7],
    ]);
    expect(preview.intervals[0].serviceLevelAtRequired).toBeCloseTo(0.888, 3);
    expect(preview.totalRequiredSeats).toBe(27);

    const posted = ok(
      await gql(
        h.url,
        op.POST_SPIKE,
        { input: { ...aSpikeInput(h.clock, { channel: 'VOICE', requiredSkills: [], requiredCertifications: [] }), ...input } },
        m.brand.key,
      ),
    ).postDemandSpike;
    const shape = (i: any) => [i.index, i.startsAt, i.endsAt, i.requiredSeats, i.agents, i.serviceLevelAtRequired];
    expect(preview.intervals.map(shape)).toEqual(posted.intervals.map(shape));
  });

  it('refuses what posting would refuse, naming the field, and writes nothing', async () => {
    const before = await rowCounts(h.orm);
    const input = aStaffingInput(h.clock);
    const misaligned = { ...input, intervals: [{ ...input.intervals[0], startsAt: new Date(Date.parse(input.intervals[0].startsAt) + 60_000).toISOString() }] };
    expect(ok(await gql(h.url, op.PREVIEW_STAFFING, { input: misaligned }, m.brand.key)).previewStaffing).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.intervals[0].startsAt',
    });
    expect(ok(await gql(h.url, op.PREVIEW_STAFFING, { input: { ...input, timeZone: 'Mars/Olympus' } }, m.brand.key)).previewStaffing).toMatchObject({
      field: 'input.timeZone',
    });
    expect(ok(await gql(h.url, op.PREVIEW_STAFFING, { input: { ...input, chatConcurrency: 2 } }, m.brand.key)).previewStaffing).toMatchObject({
      field: 'input.chatConcurrency',
    });
    // More decimals than posting takes: the preview refuses it too, rather than preview what posting would refuse.
    expect(ok(await gql(h.url, op.PREVIEW_STAFFING, { input: { ...input, serviceLevelTarget: 0.8000001 } }, m.brand.key)).previewStaffing).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.serviceLevelTarget',
    });
    expect(await rowCounts(h.orm)).toEqual(before);
  });
});

describe('the operator’s lists', () => {
  it('organizations pages through every organisation, optionally of one kind', async () => {
    const vendors = ok(await gql(h.url, op.ORGANIZATIONS, { kind: 'VENDOR', first: 3 }, h.operatorKey)).organizations;
    expect(vendors.nodes).toHaveLength(3);
    expect(vendors.nodes.every((o: any) => o.kind === 'VENDOR')).toBe(true);
    const rest = ok(await gql(h.url, op.ORGANIZATIONS, { kind: 'VENDOR', first: 10, after: vendors.pageInfo.endCursor }, h.operatorKey)).organizations;
    expect(vendors.nodes.map((o: any) => o.id)).toEqual([m.vendorA.id, m.vendorB.id, m.vendorC.id]);
    expect(rest.nodes.map((o: any) => o.id)).toEqual([m.inHouse.id, m.otherInHouse.id]);
  });

  it('clearingFailures shows the operator every failed clearing and a brand its own', async () => {
    const ours = await anOpenSpike(h.url, h.clock, m.brand.key);
    const theirs = await anOpenSpike(h.url, h.clock, m.otherBrand.key);
    for (const id of [ours, theirs]) await recordClearingFailure(h.orm.em.fork() as never, h.clock, id, new ClearingError('SOLVER_TIMEOUT', 'time limit'));
    const all = ok(await gql(h.url, op.CLEARING_FAILURES, {}, h.operatorKey)).clearingFailures.nodes.map((f: any) => f.spikeId);
    expect(all).toEqual(expect.arrayContaining([ours, theirs]));
    expect(ok(await gql(h.url, op.CLEARING_FAILURES, {}, m.brand.key)).clearingFailures.nodes.map((f: any) => f.spikeId)).toEqual([ours]);
  });
});

describe('names and objects behind ids', () => {
  it('contracts and awards carry names, spikes and values, batched into one read per kind', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    // 5 + 5 seats at 25.00 an hour over two 30-minute intervals, and 4 + 4 at 24.99.
    await aBid(h.url, m.vendorA.key, spikeId);
    await aBid(h.url, m.vendorB.key, spikeId, { rate: { amountMinor: '2499', currency: 'USD' }, offered: [0, 1].map((index) => ({ index, seats: 4 })) });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
    if (awarded.kind !== 'AWARDED') throw new Error('did not clear');

    const byVendor = new Map<string, any>();
    for (const id of awarded.contractIds) {
      const c = ok(await gql(h.url, op.CONTRACT_NAMES, { id }, m.brand.key)).contract;
      byVendor.set(c.vendor.id, c);
      expect(c.spike).toMatchObject({ id: spikeId, title: 'Black Friday chat', timeZone: 'UTC' });
      expect(c.brand.id).toBe(m.brand.id);
    }
    expect(byVendor.get(m.vendorA.id).awardedValue).toMatchObject({ amountMinor: '12500', currency: 'USD', amount: '125.00' });
    // 4 seat-hours × 24.99 = 99.96.
    expect(byVendor.get(m.vendorB.id).awardedValue).toMatchObject({ amountMinor: '9996', amount: '99.96' });
    const names = ok(await gql(h.url, op.AWARD_NAMES, { id: spikeId }, m.brand.key)).clearingResult;
    const orgName = async (id: string) => ok(await gql(h.url, 'query($id: UUID!) { organization(id: $id) { name } }', { id }, m.brand.key)).organization.name;
    for (const a of [...names.awards, ...names.bids]) expect(a.vendor.name).toBe(await orgName(a.vendorId));

    // One read per kind of object, however many are asked for in one tick.
    const em = h.orm.em.fork();
    let finds = 0;
    const counted = new Proxy(em, {
      get(target, prop, receiver) {
        if (prop === 'find') return (...args: unknown[]) => (finds++, (target.find as (...a: unknown[]) => unknown).apply(target, args));
        return Reflect.get(target, prop, receiver);
      },
    });
    const principal = { apiKeyId: 'x', organizationId: m.brand.id, organizationKind: 'BRAND', role: 'BRAND', vendorType: null, parentBrandId: null } as const;
    const ctx = { em: counted, principal, scores: neutralQualityScores } as unknown as Context;
    const loaded = await Promise.all([m.vendorA.id, m.vendorB.id, m.vendorC.id, m.brand.id].map((id) => loadersOf(ctx).organization.load(id)));
    expect(loaded.every((o) => o !== null)).toBe(true);
    expect(finds).toBe(1);
    const contracts = await Promise.all(awarded.contractIds.map((id) => loadersOf(ctx).contract.load(id)));
    expect(contracts.every((c) => c?.spikeId === spikeId)).toBe(true);
    expect(finds).toBe(2);
    // Another brand's contract loads as nothing: the same scope as contract(id).
    const foreign = { ...ctx, principal: { ...principal, organizationId: m.otherBrand.id } } as Context;
    expect(await loadersOf(foreign).contract.load(awarded.contractIds[0]!)).toBeNull();
  });
});

import { expectType, USER_ERROR } from './client.js';
import { bidAndClear, postSpike, type Demo, type Market, type Spike, type Vendor } from './market.js';
import { money, pad, padEnd, say, step, time, waitFor } from './output.js';

const HALF_HOUR = 30 * 60_000;

/** A value-adjusted rate (a Decimal string in minor units per seat-hour) in major units, cut to cents, without a float. */
function majorRate(minor: string): string {
  const whole = minor.split('.')[0]!.padStart(3, '0');
  return `${whole.slice(0, -2)}.${whole.slice(-2)}`;
}

/** What the first auction left: the spike, its clearing and contracts, and which vendors the brand rates. */
export interface FirstAuction {
  spike1: Spike;
  first: Awaited<ReturnType<typeof bidAndClear>>;
  contracts1: { id: string; vendorId: string; totalSeatHours: number; rate: { amount: string; currency: string }; seats: { index: number; seats: number }[] }[];
  rated: (v: Vendor) => boolean;
}

/**
 * Steps 2 to 5: the brand posts a peak-day spike, vendors bid and the clearing worker awards it,
 * the delivery day passes on the simulated clock and vendors report actuals, and the brand's CX
 * team feeds quality events.
 */
export async function auctionAndDelivery(demo: Demo, market: Market): Promise<FirstAuction> {
  const { call, clock, run } = demo;
  const { brandKey, vendors } = market;
  step(2, 'The brand posts a Black Friday chat spike: 48 half-hours, forecast turned into seats with Erlang C');
  const spike1 = await postSpike(demo, brandKey, `Black Friday chat ${run}`);
  const peak = spike1.intervals.reduce((a, b) => (b.requiredSeats > a.requiredSeats ? b : a));
  say(
    `   ${spike1.intervals.reduce((a, i) => a + i.forecastContacts, 0).toLocaleString()} contacts forecast, AHT 420 s, 2 chats per agent, 30% shrinkage, 80% answered in 60 s`,
  );
  say(
    `   peak ${peak.requiredSeats} seats at ${time(peak.startsAt)} (${peak.forecastContacts} chats), quietest ${Math.min(...spike1.intervals.map((i) => i.requiredSeats))} seats`,
  );

  step(3, 'Vendors bid; the brand closes bidding; the clearing worker awards by value');
  const first = await bidAndClear(demo, market, spike1, 'one');
  say(`   solver ${first.result.solver}, ${first.result.coveredSeatHours} seat-hours covered\n`);
  say(`   ${padEnd('time', 6)}${pad('required', 9)}${pad('awarded', 9)}${pad('unfilled', 9)}${pad('SL at awarded', 15)}`);
  for (const i of first.result.intervals.filter((_: unknown, n: number) => n % 2 === 0)) {
    const sl = i.serviceLevelAtAwarded === null ? '' : `${(i.serviceLevelAtAwarded * 100).toFixed(1)}%`;
    say(
      `   ${padEnd(time(i.startsAt), 6)}${pad(i.requiredSeats, 9)}${pad(i.awardedSeats, 9)}${pad(i.unfilledSeats, 9)}${pad(sl, 15)}  ${'█'.repeat(Math.round(i.awardedSeats / 3))}`,
    );
  }
  say('   (every other half-hour shown)');

  const CONTRACTS = `query($id: UUID!) { contracts(spikeId: $id, first: 100) { nodes { id vendorId totalSeatHours rate { amount currency } seats { index seats } } } }`;
  const contracts1 = (await call(brandKey, CONTRACTS, { id: spike1.id })).contracts.nodes as FirstAuction['contracts1'];
  say(`\n   ${padEnd('vendor', 22)}${pad('outcome', 9)}${pad('score', 7)}${pad('adj. rate', 11)}${pad('seat-hours', 12)}${pad('contract value', 17)}`);
  for (const v of vendors) {
    const b = first.result.bids.find((x: any) => x.vendorId === v.id);
    const c = contracts1.find((x) => x.vendorId === v.id);
    const value = c ? money({ amount: (c.totalSeatHours * Number(c.rate.amount)).toFixed(2), currency: 'USD' }) : '-';
    say(
      `   ${padEnd(v.name, 22)}${pad(b.status, 9)}${pad(b.score.toFixed(1), 7)}${pad(majorRate(b.adjustedRate), 11)}${pad(b.awardedSeatHours, 12)}${pad(value, 17)}`,
    );
  }

  // -------------------------------------------------------------------------------------------
  step(4, 'The delivery day passes (simulated clock) and vendors report actuals');
  const end = Date.parse(spike1.intervals.at(-1)!.startsAt) + HALF_HOUR;
  clock.advance(end + 3_600_000 - clock.now().getTime());
  say(`   clock moved to ${clock.now().toISOString()}`);
  const REPORT = `mutation($input: ReportDeliveryInput!) { reportDelivery(input: $input) { __typename ... on DeliveryReceipt { accepted } ${USER_ERROR} } }`;
  const contactsOf = new Map<string, number>();
  for (const c of contracts1) {
    const v = vendors.find((x) => x.id === c.vendorId)!;
    const reports = c.seats.map((s) => {
      const interval = first.result.intervals.find((i: any) => i.index === s.index);
      const contacts = Math.round((spike1.intervals[s.index]!.forecastContacts * s.seats) / Math.max(1, interval.awardedSeats));
      contactsOf.set(v.id, (contactsOf.get(v.id) ?? 0) + contacts);
      return {
        intervalIndex: s.index,
        staffedSeatHours: Math.round(s.seats * 0.5 * v.underDelivery * 4) / 4,
        contactsHandled: contacts,
        serviceLevelAchieved: v.serviceLevel,
      };
    });
    expectType((await call(v.key, REPORT, { input: { contractId: c.id, reports } })).reportDelivery, 'DeliveryReceipt');
    const note = v.underDelivery < 1 ? `staffed ${Math.round(v.underDelivery * 100)}% of awarded seats` : 'fully staffed';
    say(`   ${padEnd(v.name, 22)} ${reports.length} intervals, ${note}, service level ${(v.serviceLevel * 100).toFixed(0)}% (target 80%)`);
  }

  step(5, 'The brand’s CX team feeds CSAT surveys, QA evaluations and escalations');
  let n = 0;
  const at = (k: number) => new Date(Date.parse(spike1.intervals[16 + (k % 28)]!.startsAt) + 600_000).toISOString();
  // Ratings name their contract and stay within its contacts handled; the brand never rates its
  // own in-house team, which is scored from its delivery data only (docs/quality.md).
  const rated = (v: Vendor) => v.vendorType !== 'IN_HOUSE' && contracts1.some((c) => c.vendorId === v.id);
  const events = vendors.filter(rated).flatMap((v) => {
    const contractId = contracts1.find((c) => c.vendorId === v.id)!.id;
    const escalations = Math.round(((contactsOf.get(v.id) ?? 0) * v.escalationsPerHundred) / 100);
    return [
      ...Array.from({ length: 60 }, (_, k) => ({
        externalId: `${run}-csat-${++n}`,
        kind: 'CSAT',
        vendorId: v.id,
        contractId,
        score: v.csat[k % v.csat.length],
        occurredAt: at(k),
      })),
      ...Array.from({ length: 20 }, (_, k) => ({
        externalId: `${run}-qa-${++n}`,
        kind: 'QA_SCORE',
        vendorId: v.id,
        contractId,
        score: v.qa + ((k % 5) - 2) * 3,
        occurredAt: at(k),
      })),
      ...Array.from({ length: 40 }, (_, k) => ({
        externalId: `${run}-fcr-${++n}`,
        kind: 'FCR',
        vendorId: v.id,
        contractId,
        resolved: k % 10 < (v.qa >= 80 ? 8 : 6),
        occurredAt: at(k),
      })),
      ...Array.from({ length: escalations }, (_, k) => ({
        externalId: `${run}-esc-${++n}`,
        kind: 'ESCALATION',
        vendorId: v.id,
        contractId,
        occurredAt: at(k),
      })),
    ];
  });
  const RECORD = `mutation($input: RecordQualityEventsInput!) { recordQualityEvents(input: $input) { __typename ... on QualityEventBatchReceipt { accepted duplicates rejected } ${USER_ERROR} } }`;
  const receipt = expectType((await call(brandKey, RECORD, { input: { events } })).recordQualityEvents, 'QualityEventBatchReceipt');
  say(`   ${receipt.accepted} events accepted in one batch (${receipt.rejected} rejected); Northwind's customers are unhappy`);
  say('   (the in-house team is not rated: it is scored from its delivery data only)');
  return { spike1, first, contracts1, rated };
}

/** Steps 6 to 8: finance settles, the quality worker rescores, and a second auction shows what the scores changed. */
export async function settleAndRescore(demo: Demo, market: Market, auction: FirstAuction): Promise<void> {
  const { call, run } = demo;
  const { brandKey, brandFinance, operatorFinance, vendors, nameOf } = market;
  const { first, contracts1, rated } = auction;
  step(6, 'Finance settles the contracts: invoices with service credits, the ledger, reconciliation');
  const SETTLE = `mutation($id: UUID!) { settleContract(contractId: $id) { outcome invoice { id } } }`;
  const INVOICE = `query($id: UUID!) { invoice(id: $id) { number vendorId net { amount currency } fee { amount currency } vendorPayout { amount currency } lines { kind amount { amount currency } } } }`;
  say(`   ${padEnd('invoice', 9)}${padEnd('vendor', 22)}${pad('base', 14)}${pad('credits', 13)}${pad('net', 14)}${pad('fee', 12)}${pad('payout', 14)}`);
  for (const c of contracts1) {
    const settled = (await call(brandFinance, SETTLE, { id: c.id })).settleContract;
    const inv = (await call(brandFinance, INVOICE, { id: settled.invoice.id })).invoice;
    const sum = (kind: string) => inv.lines.filter((l: any) => l.kind === kind).reduce((a: number, l: any) => a + Number(l.amount.amount), 0);
    const m = (x: number) => money({ amount: x.toFixed(2), currency: 'USD' });
    say(
      `   ${padEnd(`#${inv.number}`, 9)}${padEnd(nameOf.get(inv.vendorId)!, 22)}${pad(m(sum('BASE')), 14)}${pad(m(sum('CREDIT')), 13)}${pad(money(inv.net), 14)}${pad(money(inv.fee), 12)}${pad(money(inv.vendorPayout), 14)}`,
    );
  }
  const balances = (
    await call(operatorFinance, 'query { ledgerBalances(currency: "USD", first: 100) { nodes { organizationId kind balance { amount currency } } } }')
  ).ledgerBalances.nodes as any[];
  say('\n   ledger balances (USD; debit positive: the brand owes, vendors and the operator are owed):');
  for (const b of balances.filter((x) => nameOf.has(x.organizationId) || x.kind !== 'ORGANIZATION')) {
    say(
      `   ${padEnd(b.kind === 'ORGANIZATION' ? nameOf.get(b.organizationId)! : `operator ${b.kind.toLowerCase().replace('operator_', '')}`, 24)}${pad(money(b.balance), 16)}`,
    );
  }
  const recon = (await call(operatorFinance, 'query { reconciliation { balanced discrepancies sums { amount currency } } }')).reconciliation;
  say(
    `   reconciliation: ${recon.balanced ? 'balanced' : 'DISCREPANCIES'}; ledger sums ${recon.sums.map(money).join(', ') || '0'}${recon.discrepancies.length ? `\n   ${recon.discrepancies.join('\n   ')}` : ''}`,
  );

  step(7, 'The quality worker rescores every vendor');
  const CARD = `query($id: UUID!) { vendorScorecard(vendorId: $id) { composite computedAt metrics { metric value samples } } }`;
  const cards = new Map<string, any>();
  await waitFor('scores', async () => {
    for (const v of vendors) cards.set(v.id, (await call(brandKey, CARD, { id: v.id })).vendorScorecard);
    return vendors.every((v) => cards.get(v.id).metrics.find((m: any) => m.metric === 'CSAT')?.samples > 0 || !rated(v)) ? true : null;
  });
  say(
    `   ${padEnd('vendor', 22)}${pad('before', 8)}${pad('after', 8)}   ${['CSAT', 'QA', 'FCR', 'ADHERENCE', 'SERVICE_LEVEL', 'ESCALATION'].map((m) => pad(m.slice(0, 10).toLowerCase(), 11)).join('')}`,
  );
  for (const v of vendors) {
    const card = cards.get(v.id);
    const before = first.result.bids.find((b: any) => b.vendorId === v.id).score;
    const metric = (name: string) => card.metrics.find((m: any) => m.metric === name)?.value.toFixed(2) ?? '-';
    say(
      `   ${padEnd(v.name, 22)}${pad(before.toFixed(1), 8)}${pad(card.composite.toFixed(1), 8)}   ${['CSAT', 'QA', 'FCR', 'ADHERENCE', 'SERVICE_LEVEL', 'ESCALATION'].map((m) => pad(metric(m), 11)).join('')}`,
    );
  }

  step(8, 'A second spike with the same bids: the scores now weigh every rate');
  const spike2 = await postSpike(demo, brandKey, `Cyber Monday chat ${run}`);
  const second = await bidAndClear(demo, market, spike2, 'two');
  say(
    `   ${padEnd('vendor', 22)}${pad('rate', 8)}${pad('score 1', 9)}${pad('adj. 1', 9)}${pad('seat-h 1', 10)}${pad('score 2', 9)}${pad('adj. 2', 9)}${pad('seat-h 2', 10)}`,
  );
  for (const v of vendors) {
    const a = first.result.bids.find((b: any) => b.vendorId === v.id);
    const b = second.result.bids.find((x: any) => x.vendorId === v.id);
    say(
      `   ${padEnd(v.name, 22)}${pad((v.rate / 100).toFixed(2), 8)}${pad(a.score.toFixed(1), 9)}${pad(majorRate(a.adjustedRate), 9)}${pad(a.awardedSeatHours, 10)}${pad(b.score.toFixed(1), 9)}${pad(majorRate(b.adjustedRate), 9)}${pad(b.awardedSeatHours, 10)}`,
    );
  }
  const northwind = vendors[0]!;
  const lost =
    second.result.bids.find((b: any) => b.vendorId === northwind.id).awardedSeatHours -
    first.result.bids.find((b: any) => b.vendorId === northwind.id).awardedSeatHours;
  say(`\n   ${northwind.name} is still the cheapest, but poor CSAT and under-delivery cost it ${Math.abs(lost)} seat-hours in the second auction.`);
}

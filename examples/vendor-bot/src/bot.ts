/**
 * A vendor's bidding bot for Burst Exchange: discovers the open spikes it may bid on (a listing at
 * start, then the `demandSpikePosted` subscription), bids on each at a discount to the reserve,
 * follows its outcomes live (`bidOutcome`), and once an awarded contract's intervals have ended,
 * reports delivery. Every document is typed by graphql-codegen's client preset (npm run
 * examples:codegen); subscriptions go over graphql-ws.
 *
 *   BURST_API_URL=http://localhost:4000 BURST_API_KEY=bx_test_... BURST_SANDBOX_ID=... \
 *     node --import tsx examples/vendor-bot/src/bot.ts --exit-after-outcomes 1
 *
 * In a sandbox, "now" is the sandbox's test clock (the testClock query); live, it is the wall clock.
 * Output is one JSON line per step, for logs.
 */
import { parseArgs } from 'node:util';
import { ApiError, describe, follow, httpClient, sleep, wsClient } from './client.js';
import { BidOutcomes, Contract, OpenSpikes, PlaceBid, ReportDelivery, SpikesPosted, TestClock } from './operations.js';

const { values: flags } = parseArgs({
  options: {
    'exit-after-outcomes': { type: 'string' },
    'discount-percent': { type: 'string', default: '5' },
    'max-seats': { type: 'string', default: '40' },
  },
});
const url = (process.env.BURST_API_URL ?? 'http://localhost:4000').replace(/\/$/, '');
const key = process.env.BURST_API_KEY;
const sandboxId = process.env.BURST_SANDBOX_ID;
if (!key) {
  console.error('Set BURST_API_KEY to a VENDOR key (a sandbox outsourcer’s bx_test_ key while you try it out).');
  process.exit(2);
}
const exitAfter = flags['exit-after-outcomes'] ? Number(flags['exit-after-outcomes']) : Infinity;
const discount = BigInt(flags['discount-percent']);
const maxSeats = Number(flags['max-seats']);

const request = httpClient(url, key);
const ws = wsClient(url, key);
const log = (event: string, fields: Record<string, unknown>) => console.log(JSON.stringify({ event, ...fields }));

const bidOn = new Set<string>();
const outcomesSeen = new Set<string>();
let finished = 0;

type SpikeFields = { id: string; title: string; reserveRate: { amountMinor: string; currency: string }; intervals: { index: number; requiredSeats: number }[] };

/** One sealed bid per spike: every interval with demand, up to max-seats, at the reserve less the discount. */
async function bid(spike: SpikeFields): Promise<void> {
  if (bidOn.has(spike.id)) return;
  bidOn.add(spike.id);
  const offered = spike.intervals.filter((i) => i.requiredSeats > 0).map((i) => ({ index: i.index, seats: Math.min(i.requiredSeats, maxSeats) }));
  const amountMinor = ((BigInt(spike.reserveRate.amountMinor) * (100n - discount)) / 100n).toString(); // integer maths: money is never a float
  const { placeBid } = await request(PlaceBid, {
    input: { spikeId: spike.id, rate: { amountMinor, currency: spike.reserveRate.currency }, offered },
    key: `bot-${spike.id}`, // the same key on a retry: the API answers with the same bid, never a second one
  });
  if (placeBid.__typename === 'Bid') log('bid', { spikeId: spike.id, bidId: placeBid.id, amountMinor, seats: offered.length });
  else if ('code' in placeBid) log('bid-refused', { spikeId: spike.id, code: placeBid.code, message: placeBid.message });
}

/** The market's "now": the sandbox's test clock, or the wall clock. */
async function now(): Promise<number> {
  if (!sandboxId) return Date.now();
  const { testClock } = await request(TestClock, { id: sandboxId });
  return Date.parse(testClock.time);
}

/** Waits until the contract's last interval has ended, then reports every interval as staffed. */
async function deliver(contractId: string): Promise<void> {
  const { contract } = await request(Contract, { id: contractId });
  while ((await now()) < Date.parse(contract.endsAt)) await sleep(sandboxId ? 250 : 60_000);
  const reports = contract.seats.map((s) => {
    const hours = (Date.parse(s.endsAt) - Date.parse(s.startsAt)) / 3_600_000;
    return { intervalIndex: s.index, staffedSeatHours: s.seats * hours, contactsHandled: Math.floor(s.seats * hours * 8), serviceLevelAchieved: 0.82 };
  });
  const { reportDelivery } = await request(ReportDelivery, { input: { contractId, reports } });
  if (reportDelivery.__typename === 'DeliveryReceipt') log('delivered', { contractId, intervals: reports.length });
  else if ('code' in reportDelivery) log('delivery-refused', { contractId, code: reportDelivery.code, message: reportDelivery.message });
}

async function followOutcomes(): Promise<void> {
  for await (const { bidOutcome: e } of follow(ws, BidOutcomes)) {
    if (outcomesSeen.has(e.eventId)) continue; // delivery is at least once: drop a repeat
    outcomesSeen.add(e.eventId);
    log('outcome', { spikeId: e.spikeId, bidId: e.outcome.bidId, status: e.outcome.status, reason: e.outcome.reason, contractId: e.contractId });
    if (e.contractId) await deliver(e.contractId);
    if (++finished >= exitAfter) return;
  }
}

async function followNewSpikes(): Promise<void> {
  for await (const { demandSpikePosted: e } of follow(ws, SpikesPosted)) {
    await bid(e.spike);
  }
}

async function bidOnOpenSpikes(): Promise<void> {
  let after: string | null | undefined = null;
  do {
    const { openDemandSpikes: page }: Awaited<ReturnType<typeof listPage>> = await listPage(after);
    for (const spike of page.nodes) await bid(spike);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
}
const listPage = (after: string | null) => request(OpenSpikes, { after });

try {
  const outcomes = followOutcomes();
  outcomes.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled" meanwhile
  void followNewSpikes().catch((e: unknown) => log('error', { in: 'demandSpikePosted', message: describe(e) }));
  await sleep(300); // let both subscriptions start before listing, so nothing published meanwhile is missed
  await bidOnOpenSpikes();
  log('ready', { spikes: bidOn.size });
  await outcomes;
  log('done', { outcomes: finished });
  await ws.dispose();
  process.exit(0);
} catch (e) {
  log('error', { code: e instanceof ApiError ? e.code : 'UNEXPECTED', message: describe(e) });
  process.exit(1);
}

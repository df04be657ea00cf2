import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aBid, aMarket, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { checkScreen, launchChromium, persona, screenshot, signInWithKey, type Persona } from './support/browser.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

/**
 * The web console in a real browser (issue 14): one journey per persona against the real API with
 * its workers, in Debian's Chromium. Each checks axe-core finds nothing serious or critical, the
 * main screen fits a 390 px phone, the page asks nothing of any other origin, and saves
 * screenshots (test-output/console, or docs/console with `npm run docs:screenshots`).
 */
let h: Harness;
let m: Market;
let base: string;
let browser: Browser;
const personas: Persona[] = [];

beforeAll(async () => {
  // The console the API serves at /console, built from this checkout (typed documents included).
  if (!process.env.CONSOLE_SKIP_BUILD) execFileSync('npm', ['run', '--silent', 'console:build'], { stdio: 'pipe' });
  h = await startHarness({ workers: true });
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  base = h.url.replace(/\/graphql$/, '');
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function open(): Promise<Persona> {
  const p = await persona(browser, base);
  personas.push(p);
  return p;
}

async function downloadText(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), text: readFileSync((await download.path())!, 'utf8') };
}

const HALF_HOUR = 30 * 60_000;
const londonDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

/** A spike of `m.brand` in GBP whose two 30-minute intervals start within the hour, closing in 10 minutes. */
function aNearSpike(title: string): Record<string, unknown> {
  const now = h.clock.now().getTime();
  const start = Math.ceil((now + HALF_HOUR) / HALF_HOUR) * HALF_HOUR;
  return aSpikeInput(h.clock, {
    title,
    timeZone: 'Europe/London',
    reserveRate: { amountMinor: '3000', currency: 'GBP' },
    biddingClosesAt: new Date(now + 10 * 60_000).toISOString(),
    intervals: [0, 1].map((i) => ({ startsAt: new Date(start + i * HALF_HOUR).toISOString(), seats: 10 })),
  });
}

let nearSpike: { id: string; endsAt: number };

describe('the console in a real browser', { timeout: 120_000 }, () => {
  it('brand: posts a spike from a forecast CSV with a staffing preview, closes it early and, once cleared, sees coverage and awards and downloads the routing plan', async () => {
    const { page } = await open();
    const link = ok(await gql(h.url, op.SIGN_IN_LINK, {}, m.brand.key)).createConsoleSignInLink;
    await page.goto(`${base}${link.path}`);
    await page.getByRole('heading', { name: 'Spikes' }).waitFor();
    expect(page.url()).not.toContain('link=');
    await page.getByText('No spikes yet').waitFor();

    await page.getByRole('link', { name: 'New spike' }).first().click();
    await page.getByLabel('Title').fill('Black Friday chat');
    await page.getByLabel('Time zone', { exact: true }).fill('Europe/London');
    const day = londonDay(h.clock.now().getTime() + 86_400_000);
    const csv = ['interval_start,contacts,aht_seconds', `${day} 09:00,100,180`, `${day} 09:30,240,420`, `${day} 10:00,180,300`, `${day} 10:30,0,300`].join(
      '\n',
    );
    await page.getByLabel('Forecast (CSV)').fill(csv);
    await page.getByText(/seats over 4 intervals/).waitFor();
    await page.locator('[data-chart="ready"]').first().waitFor();
    await page.getByLabel('Reserve rate per seat-hour').fill('28.00');
    await checkScreen(page, 'brand-new-spike');

    await page.getByRole('button', { name: 'Post and publish' }).click();
    await page.getByText('open', { exact: true }).first().waitFor();
    const spikeId = page.url().split('/').pop()!;
    await checkScreen(page, 'brand-spike-open');

    // Two outsourcers bid through the API, as their systems would.
    const offered = [0, 1, 2].map((index) => ({ index, seats: 6 }));
    await aBid(h.url, m.vendorA.key, spikeId, { rate: { amountMinor: '2450', currency: 'GBP' }, offered });
    await aBid(h.url, m.vendorB.key, spikeId, { rate: { amountMinor: '2600', currency: 'GBP' }, offered });

    await page.getByRole('button', { name: 'Close bidding early' }).click();
    await page.getByRole('button', { name: 'Yes, close bidding' }).click();
    await page.getByRole('heading', { name: 'Coverage' }).waitFor({ timeout: 30_000 });
    await page.locator('[data-chart="ready"]').first().waitFor();
    const awards = page.getByRole('region', { name: 'Awards by vendor' });
    await awards
      .getByRole('rowheader', { name: /^Org \d+$/ })
      .first()
      .waitFor();
    expect(await awards.getByRole('rowheader').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Org \d+/)]));
    await checkScreen(page, 'brand-spike-cleared', true);

    const plan = await downloadText(page, () => page.getByRole('button', { name: 'Download routing plan (CSV)' }).click());
    expect(plan.name).toBe('routing-plan-black-friday-chat.csv');
    expect(plan.text.split('\n')[0]).toContain('vendor_name');
    expect(plan.text).toContain('interval_index');
    await page.getByRole('link', { name: 'Spikes' }).click();
    await checkScreen(page, 'brand-spikes');
  });

  it('vendor: a new spike appears live, the vendor bids with seats pasted from CSV, and its outcome arrives without a reload', async () => {
    const { page } = await open();
    await signInWithKey(page, base, m.vendorC.key);
    await page.getByRole('heading', { name: 'Open spikes' }).waitFor();
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') > 0 ? true : null));
    const posted = ok(await gql(h.url, op.POST_SPIKE, { input: aNearSpike('Cyber Monday chat') }, m.brand.key)).postDemandSpike;
    ok(await gql(h.url, op.PUBLISH, { id: posted.id }, m.brand.key));
    nearSpike = { id: posted.id, endsAt: Date.parse(posted.intervals[1].endsAt) };
    await page.getByRole('link', { name: 'Cyber Monday chat', exact: true }).waitFor();
    await page.getByText('New spike: Cyber Monday chat').waitFor();
    await checkScreen(page, 'vendor-open-spikes', true);

    await page.getByRole('link', { name: 'Bid on Cyber Monday chat' }).click();
    await page.getByLabel('Rate per seat-hour (GBP)').fill('24.50');
    await page.getByLabel('Or paste seats from CSV').fill('interval,seats\n0,5\n1,5');
    await page.getByRole('button', { name: 'Fill the grid from the CSV' }).click();
    await page.getByText('5 seat-hours in 2 intervals').waitFor();
    await checkScreen(page, 'vendor-bid-form');
    await page.getByRole('button', { name: 'Place sealed bid' }).click();
    await page.getByRole('heading', { name: 'My bids' }).waitFor();
    await page.getByText('awaiting clearing').waitFor();

    // The brand closes; the worker clears; the outcome is pushed to the open page.
    await eventually(async () => (h.events.listenerCount('bid.outcome') > 0 ? true : null));
    ok(await gql(h.url, op.CLOSE, { id: nearSpike.id }, m.brand.key));
    await page.getByText(/Outcome received: won/).waitFor({ timeout: 30_000 });
    await page.getByRole('cell', { name: 'won', exact: true }).first().waitFor();
    await checkScreen(page, 'vendor-my-bids', true);

    await page.getByRole('link', { name: 'Cyber Monday chat' }).click();
    await page.getByRole('heading', { name: 'Outcome: won' }).waitFor();
    await page.locator('[data-chart="ready"]').waitFor();
    await checkScreen(page, 'vendor-bid-to-beat');

    await page.getByRole('link', { name: 'Scorecard' }).click();
    await checkScreen(page, 'vendor-scorecard');

    // Once the intervals have ended, delivery is reported from CSV.
    h.clock.set(new Date(nearSpike.endsAt + 60_000));
    await page.getByRole('link', { name: 'Delivery' }).click();
    await page.getByRole('link', { name: 'Cyber Monday chat' }).click();
    await page.getByLabel('Delivery actuals (CSV)').fill('interval,staffed_seat_hours,contacts_handled,service_level\n0,2.5,40,82%\n1,2.25,38,0.74');
    await page.getByRole('button', { name: 'Report delivery' }).click();
    await page.getByText('2 interval report(s) accepted').waitFor();
    await checkScreen(page, 'vendor-delivery');
  });

  it('finance: a settlement appears live, an invoice opens with lines, credits and fee, and a statement downloads as CSV', async () => {
    const { page } = await open();
    await signInWithKey(page, base, m.brand.financeKey);
    await page.getByRole('heading', { name: 'Invoices' }).waitFor();
    await page.getByText('No invoices match').waitFor();
    await eventually(async () => (h.events.listenerCount('contract.settled') > 0 ? true : null));
    const contract = ok(await gql(h.url, op.CONTRACTS, { spikeId: nearSpike.id }, m.brand.key)).contracts.nodes[0];
    ok(await gql(h.url, op.SETTLE, { id: contract.id }, m.brand.financeKey));
    await page.getByText(/New invoice issued/).waitFor({ timeout: 30_000 });
    await checkScreen(page, 'finance-invoices', true);

    await page.getByRole('rowheader').getByRole('link').first().click();
    await page.getByRole('table', { name: 'Lines' }).waitFor();
    await page.getByText('service credit').first().waitFor();
    await checkScreen(page, 'finance-invoice', true);
    const invoice = await downloadText(page, () => page.getByRole('button', { name: 'Download CSV' }).click());
    expect(invoice.text).toContain('GBP');
    expect(invoice.text).toContain('vendor_payout');

    await page.getByRole('link', { name: 'Ledger' }).click();
    await page.getByRole('link', { name: 'Statement', exact: true }).first().click();
    await page.getByText(/closing/).waitFor();
    await checkScreen(page, 'finance-statement');
    const statement = await downloadText(page, () => page.getByRole('button', { name: 'Download statement (CSV)' }).click());
    // The API's own export (GET /exports/statement.csv) of the whole period, not a page of it.
    expect(statement.text.split('\r\n')[0]).toBe(
      'posted_at,account_id,account_kind,owner_id,owner_name,kind,description,transaction_id,amount,balance,currency',
    );
    expect(statement.name).toMatch(/^statement-.+\.csv$/);
    expect(statement.text).toContain('GBP');
    await page.getByRole('link', { name: 'Accruals' }).click();
    await checkScreen(page, 'finance-accruals');
  });

  it('operator: issues a key whose secret shows once, revokes it, and the revoked key’s console session ends', async () => {
    const { page } = await open();
    await signInWithKey(page, base, h.operatorKey);
    await page.getByRole('heading', { name: 'Organisations' }).waitFor();
    await checkScreen(page, 'operator-organizations', true);
    const vendorName = ok(await gql(h.url, 'query($id: UUID!) { organization(id: $id) { name } }', { id: m.vendorA.id }, h.operatorKey)).organization.name;
    await page.getByRole('link', { name: vendorName, exact: true }).click();
    await page.getByLabel('Label').fill('Console journey');
    await page.getByRole('button', { name: 'Issue key' }).click();
    const secret = (await page.getByLabel('The new API key').textContent())!;
    expect(secret).toMatch(/^bx_[a-z0-9]{8}_/);
    await checkScreen(page, 'operator-key-issued');

    // The new key signs in elsewhere; then the operator revokes it.
    const other = await open();
    await signInWithKey(other.page, base, secret);
    await other.page.getByRole('heading', { name: 'Open spikes' }).waitFor();
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('button', { name: `Revoke key ${secret.slice(3, 11)}` }).click();
    await page.getByRole('button', { name: `Yes, revoke ${secret.slice(3, 11)}` }).click();
    await page.getByText(/^revoked /).waitFor();
    await other.page.getByRole('link', { name: 'My bids' }).click();
    await other.page.getByText(/Your session has ended/).waitFor();
    await screenshot(other.page, 'operator-revoked-session-ended');

    // Past the first 100 keys the table offers "Load more", which appends the next page.
    await h.orm.em.getConnection().execute(
      `insert into api_key (id, organization_id, role, prefix, hash, label, created_at, revoked_at)
       select gen_random_uuid(), ?, 'VENDOR', 'old' || lpad(g::text, 5, '0'), repeat('0', 64), 'Old key ' || g, now() - interval '1 day', now() - interval '1 day'
         from generate_series(1, 105) g`,
      [m.vendorA.id],
    );
    const keys = Number((await h.orm.em.getConnection().execute(`select count(*)::int as n from api_key where organization_id = ?`, [m.vendorA.id]))[0]!.n);
    await page.reload();
    const keyRows = page.locator('tr[data-key]');
    await page.getByRole('button', { name: 'Load more keys' }).waitFor();
    expect(await keyRows.count()).toBe(100);
    await page.getByRole('button', { name: 'Load more keys' }).click();
    await eventually(async () => ((await keyRows.count()) === keys ? true : null));
    expect(await page.getByRole('button', { name: 'Load more keys' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Scoring policy' }).click();
    await page.getByRole('button', { name: 'Save a new version' }).waitFor();
    await checkScreen(page, 'operator-scoring-policy');
    await page.getByRole('link', { name: 'Clearing failures' }).click();
    await checkScreen(page, 'operator-clearing-failures');
    expect(await page.getByRole('link', { name: /Queue dashboard/ }).getAttribute('href')).toBe('/admin/queues');
  });

  it('asked nothing of any other origin, on any page, and threw no error', () => {
    expect(personas.flatMap((p) => p.foreign)).toEqual([]);
    expect(personas.flatMap((p) => p.errors)).toEqual([]);
  });
});

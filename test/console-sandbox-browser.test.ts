import { execFileSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anOrganization, type Party } from './support/builders.js';
import { gql } from './support/client.js';
import { checkScreen, launchChromium, persona, signInWithKey, type Persona } from './support/browser.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { SANDBOXES } from './support/sandbox.js';

/**
 * The console's sandbox screens in a real browser (issues 14 and 16), on the real API and workers:
 * a live brand creates a sandbox and sees its keys once, opens the console as the sandbox's brand
 * (the normal sign-in with the bx_test_ key), sees the sandbox banner on every screen, advances
 * the test clock (+1 hour, a chosen time; a time in the past is refused next to the field) and
 * watches it become READY, and deletes the sandbox from its live session, which ends its keys.
 * Same checks as test/console-browser.test.ts: axe-core, a 390 px phone, no other origin.
 */
let h: Harness;
let creator: Party;
let base: string;
let browser: Browser;
const personas: Persona[] = [];

beforeAll(async () => {
  if (!process.env.CONSOLE_SKIP_BUILD) execFileSync('npm', ['run', '--silent', 'console:build'], { stdio: 'pipe' });
  h = await startHarness({ workers: true });
  await resetState(h);
  creator = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
  base = h.url.replace(/\/graphql$/, '');
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the console’s sandboxes', () => {
  it('creates a sandbox, opens the console as its brand, advances its clock, and deletes it', async () => {
    const p = await persona(browser, base);
    personas.push(p);
    const { page } = p;
    await signInWithKey(page, base, creator.key);
    await page.getByRole('link', { name: 'Sandboxes' }).click();
    await page.getByText(/No sandboxes yet/).waitFor();
    await checkScreen(page, 'sandbox-empty', true);

    await page.getByLabel('Name').fill('Console journey');
    await page.getByRole('button', { name: 'Create sandbox' }).click();
    const brandKey = (await page.getByLabel('Brand brand key').textContent())!;
    expect(brandKey).toMatch(/^bx_test_[a-z0-9]{8}_/);
    expect(await page.locator('code.secret-value').count()).toBe(12);
    for (const secret of await page.locator('code.secret-value').allTextContents()) expect(secret).toMatch(/^bx_test_/);
    // The new sandbox is listed with its clock, READY (nothing has fallen due).
    await page.locator('tr[data-sandbox="Console journey"] [data-clock-status="READY"]').waitFor();
    await checkScreen(page, 'sandbox-created', true);

    // One click: this session ends and the brand's bx_test_ key signs in through POST /console/session.
    await page.getByRole('button', { name: 'Open console as Brand (brand)' }).click();
    const banner = page.getByRole('region', { name: 'Sandbox' });
    await banner.getByText(/Sandbox: Console journey · clock /).waitFor();
    await page.getByRole('heading', { name: 'Spikes' }).waitFor();
    expect(await page.getByRole('link', { name: 'Sandboxes' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Test clock', exact: true }).first().click();
    const clockTime = async () => Date.parse((await page.getByTestId('clock-time').getAttribute('datetime'))!);
    await page.locator('dd[data-clock-status="READY"]').waitFor();
    const before = await clockTime();
    await page.getByRole('button', { name: '+1 hour' }).click();
    await expect.poll(clockTime).toBe(before + 3_600_000);
    await page.locator('dd[data-clock-status="READY"]').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: '+1 day' }).click();
    await expect.poll(clockTime).toBe(before + 25 * 3_600_000);
    await page.locator('dd[data-clock-status="READY"]').waitFor({ timeout: 20_000 });
    // The banner follows the clock.
    const bannerTime = async () => Date.parse((await banner.locator('time').getAttribute('datetime'))!);
    await expect.poll(bannerTime).toBe(before + 25 * 3_600_000);

    // Backwards: refused next to the field, the clock unchanged.
    await page.getByLabel(/Advance to/).fill('2020-01-01T09:00');
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    await page
      .locator('.field-error')
      .getByText(/only moves forward/)
      .waitFor();
    expect(await clockTime()).toBe(before + 25 * 3_600_000);
    await checkScreen(page, 'sandbox-test-clock', true);

    // Back to the live brand: delete the sandbox, confirmed first; its keys stop working.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInWithKey(page, base, creator.key);
    await page.getByRole('link', { name: 'Sandboxes' }).click();
    await page.getByRole('button', { name: 'Delete sandbox Console journey' }).click();
    await page.getByRole('button', { name: 'Yes, delete Console journey' }).click();
    await page.getByText(/No sandboxes yet/).waitFor();
    const refused = await gql(h.url, SANDBOXES, { first: 1 }, brandKey);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }, 90_000);

  it('asked nothing of any other origin and threw no error', () => {
    expect(personas.flatMap((x) => x.foreign)).toEqual([]);
    expect(personas.flatMap((x) => x.errors)).toEqual([]);
  });
});

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), with the flags this
 * machine needs, for the console's browser journeys: one browser per test file, one context per
 * persona, every request to another origin recorded and refused, axe-core run in the page, and
 * screenshots saved under a test output folder (or docs/console with `npm run docs:screenshots`).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`No Chromium at ${path}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH. Nothing downloads a browser.`);
  }
  return path;
}

/** Playwright creates a fresh, empty --user-data-dir for every launch. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
}

export const SCREENSHOT_DIR = process.env.CONSOLE_SCREENSHOTS ?? join('test-output', 'console');

export interface Persona {
  context: BrowserContext;
  page: Page;
  /** Requests and sockets the page tried to open on another origin (refused). */
  foreign: string[];
  /** Uncaught errors in the page. */
  errors: string[];
}

/** A browser context for one persona at 1280×800 that refuses (and records) anything not on `base`'s origin. */
export async function persona(browser: Browser, base: string): Promise<Persona> {
  const origin = new URL(base).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale: 'en-GB', timezoneId: 'Europe/London' });
  const foreign: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin !== origin) {
      foreign.push(url);
      return route.abort();
    }
    return route.continue();
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  if (process.env.CONSOLE_DEBUG) page.on('console', (msg) => console.log(`[browser] ${msg.type()}: ${msg.text()}`));
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).host !== new URL(base).host) foreign.push(ws.url());
  });
  return { context, page, foreign, errors };
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (evaluated over CDP, so the page's CSP stays on). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  // Runs in the page: the test's own TypeScript has no DOM types, hence the casts.
  const violations = await page.evaluate(async () => {
    const w = globalThis as unknown as {
      document: unknown;
      axe: { run: (ctx: unknown, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
    };
    const result = await w.axe.run(w.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

/** The curated screens docs/console.md shows; into docs/console only these are written. */
const DOC_SHOTS = new Set([
  'brand-new-spike',
  'brand-spike-cleared',
  'brand-spike-cleared-phone',
  'vendor-open-spikes',
  'vendor-bid-form',
  'vendor-my-bids',
  'vendor-bid-to-beat',
  'vendor-delivery',
  'finance-invoices',
  'finance-invoice',
  'finance-statement',
  'operator-organizations',
  'operator-key-issued',
  'operator-revoked-session-ended',
  'sandbox-created',
  'sandbox-test-clock',
  'sandbox-test-clock-phone',
]);

export async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOT_DIR.startsWith('docs') && !DOC_SHOTS.has(name)) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/** Whether the page fits a 390 px phone without sideways scrolling of the whole page. */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return w.document.documentElement.scrollWidth <= w.innerWidth + 1;
  });
}

/** Signs in on the console's sign-in screen with an API key and waits for the main navigation. */
export async function signInWithKey(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** The checks every main screen passes: accessibility, a screenshot, and at a phone's width both again. */
export async function checkScreen(page: Page, name: string, phone = false): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  expect(await seriousViolations(page), name).toEqual([]);
  await screenshot(page, name);
  if (!phone) return;
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-phone`);
  expect(await fitsWidth(page), `${name} at 390 px`).toBe(true);
  expect(await seriousViolations(page), `${name} at 390 px`).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 800 });
}

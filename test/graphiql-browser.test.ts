import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distDir } from '../src/http/console-static.js';
import { launchChromium, persona, screenshot, seriousViolations } from './support/browser.js';
import { resetState, startHarness, type Harness } from './support/harness.js';

/**
 * GraphiQL served by the API itself (issue 16, item 3), in Debian's Chromium: a browser's GET of
 * /graphql lands on it, it loads without one request to another origin (every such request is
 * recorded and refused), it carries the README's examples, and a query sent with the API key
 * typed into its key field comes back with the key's answer.
 */
let h: Harness;
let browser: Browser;
let base: string;

beforeAll(async () => {
  // About two seconds; CONSOLE_SKIP_BUILD (CI, after `npm run build`) reuses dist/graphiql.
  if (!process.env.CONSOLE_SKIP_BUILD) execFileSync('npm', ['run', '--silent', 'graphiql:build'], { stdio: 'pipe' });
  h = await startHarness();
  await resetState(h);
  base = h.url.replace(/\/graphql$/, '');
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('GraphiQL at /graphiql', () => {
  it('is where a browser opening /graphql lands; runs a query with the API key from its key field; asks nothing of another origin', async () => {
    const p = await persona(browser, base);
    const sent: { url: string; authorization: string | undefined; method: string }[] = [];
    p.page.on('request', (request) => sent.push({ url: request.url(), authorization: request.headers().authorization, method: request.method() }));
    await p.page.goto(`${base}/graphql`);
    expect(p.page.url()).toBe(`${base}/graphiql/`);
    await p.page.locator('.graphiql-query-editor .CodeMirror').first().waitFor();

    // The README's example operations are preloaded, one tab each.
    const tabs = await p.page.locator('.graphiql-tab').count();
    expect(tabs).toBeGreaterThan(8);
    const firstTab = await p.page.evaluate(() => {
      const editor = (globalThis as unknown as { document: { querySelector(s: string): { CodeMirror: { getValue(): string } } } }).document.querySelector(
        '.graphiql-query-editor .CodeMirror',
      );
      return editor.CodeMirror.getValue();
    });
    expect(firstTab).toMatch(/^mutation CreateOrganization \{/);
    // Every tab has a title: the README's anonymous operations are named after their first field.
    expect(await p.page.locator('.graphiql-tab', { hasText: '<untitled>' }).count()).toBe(0);

    await p.page.getByRole('textbox', { name: 'API key' }).fill(h.operatorKey);
    // The new key loads the schema again (introspection with the key); edit once it is in.
    const introspected = p.page.waitForResponse((r) => r.url() === `${base}/graphql` && (r.request().postData() ?? '').includes('__schema'));
    await p.page.getByRole('button', { name: 'Use key' }).click();
    await introspected;
    await expect.poll(() => p.page.getByRole('status').textContent()).toContain('Using key');
    // A tab of its own for the query (the preloaded ones stay as they are).
    const before = await p.page.locator('.graphiql-tab').count();
    await p.page.locator('.graphiql-tab-add').click();
    await expect.poll(() => p.page.locator('.graphiql-tab').count()).toBe(before + 1);
    const queryText = () =>
      p.page.evaluate(() => {
        const editor = (globalThis as unknown as { document: { querySelector(s: string): { CodeMirror: { getValue(): string } } } }).document.querySelector(
          '.graphiql-query-editor .CodeMirror',
        );
        return editor.CodeMirror.getValue();
      });
    await expect.poll(queryText).not.toContain('CreateOrganization');
    await p.page.locator('.graphiql-query-editor .CodeMirror').first().click();
    await p.page.keyboard.press('Control+A');
    await p.page.keyboard.press('Delete');
    await p.page.keyboard.insertText('query WhoAmI { me { role } }');
    await expect.poll(queryText).toBe('query WhoAmI { me { role } }');
    // GraphiQL takes the operation name (and the tab's title) from the text after a short debounce.
    await p.page.locator('.graphiql-tab', { hasText: 'WhoAmI' }).waitFor();
    await p.page.locator('.graphiql-execute-button').click();
    await expect.poll(() => p.page.locator('.graphiql-response').textContent(), { timeout: 10_000 }).toContain('"role": "OPERATOR"');

    await screenshot(p.page, 'graphiql');
    // axe-core finds nothing serious or critical, as on every console screen.
    expect(await seriousViolations(p.page)).toEqual([]);
    const posted = sent.filter((r) => r.method === 'POST' && r.url === `${base}/graphql`);
    expect(posted.length).toBeGreaterThan(0);
    expect(posted.at(-1)!.authorization).toBe(`Bearer ${h.operatorKey}`);
    expect(p.foreign).toEqual([]);
    expect(sent.every((r) => r.url.startsWith(`${base}/`))).toBe(true);
    expect(p.errors).toEqual([]);
    // Everything it loaded came from this server, and no font at all.
    expect(sent.filter((r) => /\.(woff2?|ttf|otf)(\?|$)/.test(r.url))).toEqual([]);
    await p.context.close();
  });

  it('is built without web fonts, and served with the console’s Content-Security-Policy', async () => {
    const assets = join(distDir('graphiql'), 'assets');
    const css = readdirSync(assets).filter((f) => f.endsWith('.css'));
    expect(css.length).toBeGreaterThan(0);
    for (const file of css) expect(readFileSync(join(assets, file), 'utf8')).not.toContain('@font-face');
    const page = await fetch(`${base}/graphiql/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).not.toMatch(/https?:\/\//);
    // A client asking /graphql for JSON is not redirected.
    const api = await fetch(`${base}/graphql`, { headers: { accept: 'application/json' } });
    expect(api.status).not.toBe(302);
  });
});

describe('GraphiQL in production', () => {
  it('is off unless GRAPHIQL_ENABLED turns it on: /graphiql is unknown and /graphql says so', async () => {
    const prod = await startHarness({ production: true });
    try {
      const root = prod.url.replace(/\/graphql$/, '');
      expect((await fetch(`${root}/graphiql/`)).status).toBe(404);
      const landing = await fetch(`${root}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(landing.status).toBe(404);
      expect(await landing.text()).toContain('GRAPHIQL_ENABLED');
    } finally {
      await prod.close();
    }
  });
});

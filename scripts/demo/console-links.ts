/**
 * The demo's web console sign-in links (issue 14): one single-use link per persona, valid 15
 * minutes, made by each persona's own key through `createConsoleSignInLink`. The link's token is
 * in the URL fragment, so it never reaches a server log.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { distDir } from '../../src/http/console-static.js';

const LINK = 'mutation { createConsoleSignInLink { path expiresAt } }';

export async function printConsoleLinks(
  call: (key: string, query: string) => Promise<{ createConsoleSignInLink: { path: string; expiresAt: string } }>,
  base: string,
  personas: readonly { who: string; key: string }[],
  say: (line: string) => void,
): Promise<void> {
  say('\nWeb console: one sign-in link per persona (each works once, within 15 minutes):');
  if (!existsSync(join(distDir('console'), 'index.html'))) say('   (build it first in another terminal: npm run console:build)');
  for (const p of personas) {
    const { path } = (await call(p.key, LINK)).createConsoleSignInLink;
    say(`   ${p.who.padEnd(24)}${base}${path}`);
  }
}

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, TEST_PROFILE, TEST_REDIS_URL } from './support/env.js';

/** The services of this run; none on the embedded profile, where the demo makes its own database. */
const services: Record<string, string> = TEST_PROFILE === 'embedded' ? {} : { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL };

/** Runs `npm run demo`'s script as a user would, and returns its exit code and output. */
function runDemo(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      env: { ...process.env, ...services, PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('npm run demo', () => {
  it('runs the whole market cycle over the API and exits 0', async () => {
    const { code, out } = await runDemo({});
    expect(out).not.toContain('The demo failed');
    expect(code).toBe(0);
    for (const heading of [
      '1. The operator onboards',
      '3. Vendors bid',
      '4. The delivery day passes',
      '6. Finance settles',
      '7. The quality worker rescores',
      '8. A second spike',
    ]) {
      expect(out).toContain(heading);
    }
    expect(out).toContain('reconciliation: balanced');
    // Bluebird misses its service level, so its invoice carries a (negative) credit.
    expect(out).toMatch(/Bluebird Contact\s+USD [\d,.]+\s+USD -[\d,.]+/);
    // The cheapest vendor, badly rated, loses seat-hours in the second auction.
    expect(out).toMatch(/Northwind BPO is still the cheapest, but .* cost it [1-9][\d.]* seat-hours/);
    // The web console's sign-in links come with --keep-running (the API must stay up to use them).
    expect(out).toContain('--keep-running for one-time sign-in links to the web console');
  }, 120_000);

  it('says how to start the services when one is unreachable, and exits 1', async () => {
    const { code, out } = await runDemo({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(out).toContain('Redis is not reachable at 127.0.0.1:1');
    expect(out).toContain('docker compose up -d postgres redis');
  }, 60_000);
});

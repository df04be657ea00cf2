/**
 * Cold start to a ready API, per profile: spawns the API entry point (src/main.ts under tsx) and
 * times until GET /readyz answers 200, then stops it. Prints figures; asserts nothing.
 *
 *   npm run bench:cold-start                       the profile of the environment
 *   BURST_PROFILE=postgres DATABASE_URL=... npm run bench:cold-start
 *
 * The embedded profile starts on a fresh data folder (creating and migrating the database is part
 * of its cold start), then once more on the same folder (a restart).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';

const profile = loadConfig().profile;
const port = 4600 + (process.pid % 300);

async function coldStart(env: Record<string, string>): Promise<{ ms: number; rssMiB: number }> {
  const start = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: 'inherit',
  });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - start;
  const status = await import('node:fs/promises').then((fs) => fs.readFile(`/proc/${child.pid}/status`, 'utf8')).catch(() => '');
  const rssMiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  child.kill('SIGTERM');
  await once(child, 'exit');
  return { ms, rssMiB };
}

const runs: [string, { ms: number; rssMiB: number }][] = [];
if (profile === 'embedded') {
  const dir = mkdtempSync(join(tmpdir(), 'burst-cold-'));
  runs.push(['embedded, new data folder', await coldStart({ BURST_DATA_DIR: dir })]);
  runs.push(['embedded, existing folder', await coldStart({ BURST_DATA_DIR: dir })]);
  rmSync(dir, { recursive: true, force: true });
} else {
  runs.push([profile, await coldStart({})]);
  runs.push([`${profile}, again`, await coldStart({})]);
}
for (const [name, r] of runs) console.log(`${name.padEnd(28)} ready in ${(r.ms / 1000).toFixed(2)} s, RSS ${r.rssMiB.toFixed(0)} MiB`);

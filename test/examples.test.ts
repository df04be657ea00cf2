import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anOrganization } from './support/builders.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { advanceAndSettle, aSandbox, type SandboxWorld } from './support/sandbox.js';

/**
 * The integration examples (examples/) run as an integrator would run them, as separate processes
 * against a sandbox on the test stack: the Python brand script posts a spike from a forecast CSV,
 * two TypeScript vendor bots (graphql-codegen typed documents, graphql-ws) bid, follow their
 * outcomes live and report delivery, while the test only moves the sandbox's clock; then the
 * brand script downloads the routing plan CSV.
 */
let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness({ workers: true });
  await resetState(h);
  dir = await mkdtemp(join(tmpdir(), 'burst-examples-'));
});
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const MINUTE = 60_000;
/** The API's base URL, as an integrator configures it (the harness's `url` is its /graphql endpoint). */
const base = () => h.url.replace(/\/graphql$/, '');

interface Run {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: string[];
  exit: Promise<number | null>;
}

/** Starts a command and collects its JSON lines (every example logs one JSON object per line). */
function run(command: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i).trim();
      buffered = buffered.slice(i + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr, exit };
}

async function until(r: Run, event: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = r.lines.find((l) => l.event === event);
    if (found) return found;
    if (Date.now() > deadline || r.child.exitCode !== null) throw new Error(`no "${event}" line; output: ${JSON.stringify(r.lines)} ${r.stderr.join('')}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function exited(r: Run, timeoutMs = 30_000): Promise<number | null> {
  const timer = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), timeoutMs));
  const code = await Promise.race([r.exit, timer]);
  if (code === 'timeout') {
    r.child.kill('SIGKILL');
    throw new Error(`did not exit; output: ${JSON.stringify(r.lines)} ${r.stderr.join('')}`);
  }
  return code;
}

const brandScript = (world: SandboxWorld, args: string[]) =>
  run('python3', ['examples/brand-script/burst_brand.py', ...args], { BURST_API_URL: base(), BURST_API_KEY: world.brand.key });

const vendorBot = (world: SandboxWorld, key: string) =>
  run(process.execPath, ['--import', 'tsx', 'examples/vendor-bot/src/bot.ts', '--exit-after-outcomes', '1'], {
    BURST_API_URL: base(),
    BURST_API_KEY: key,
    BURST_SANDBOX_ID: world.id,
  });

describe('the examples, against a sandbox', () => {
  it('the brand script posts a forecast, the vendor bots bid, win and deliver, and the routing plan downloads as CSV', async () => {
    const creator = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
    const world = await aSandbox(h.url, creator.key, 'Examples');
    const now = world.clock.now().getTime();
    const closes = new Date(now + 60 * MINUTE);
    const firstStart = Math.ceil((now + 3 * 60 * MINUTE) / (30 * MINUTE)) * 30 * MINUTE;
    const forecast = ['interval_start,forecast_contacts,aht_seconds'];
    for (let i = 0; i < 4; i++) forecast.push(`${new Date(firstStart + i * 30 * MINUTE).toISOString()},${120 + 40 * i},300`);
    await writeFile(join(dir, 'forecast.csv'), forecast.join('\n') + '\n');

    const post = brandScript(world, [
      'post',
      join(dir, 'forecast.csv'),
      '--title',
      'Storm week',
      '--reserve',
      '30.00',
      '--currency',
      'USD',
      '--skill',
      'billing',
      '--bidding-closes-at',
      closes.toISOString(),
    ]);
    expect(await exited(post), post.stderr.join('')).toBe(0);
    const { spikeId, status } = post.lines[0] as { spikeId: string; status: string };
    expect(status).toBe('OPEN');

    // Two outsourcers' bots find the spike, bid, and wait for their outcomes.
    const bots = [vendorBot(world, world.outsourcers[0].key), vendorBot(world, world.outsourcers[1].key)];
    for (const bot of bots) expect((await until(bot, 'bid')).spikeId).toBe(spikeId);

    // The brand's sandbox key moves the clock past the close: clearing runs, outcomes arrive live.
    await advanceAndSettle(h.url, world, new Date(closes.getTime() + 1_000));
    const outcomes = await Promise.all(bots.map((bot) => until(bot, 'outcome')));
    expect(outcomes.some((o) => o.status !== 'LOST' && typeof o.contractId === 'string')).toBe(true);

    // After the last interval the winners report delivery and the bots exit.
    await advanceAndSettle(h.url, world, new Date(firstStart + 4 * 30 * MINUTE + MINUTE));
    for (const bot of bots) expect(await exited(bot), bot.stderr.join('')).toBe(0);
    const delivered = bots.flatMap((bot) => bot.lines.filter((l) => l.event === 'delivered'));
    expect(delivered.length).toBe(outcomes.filter((o) => typeof o.contractId === 'string').length);
    expect(bots.flatMap((bot) => bot.lines.filter((l) => String(l.event).endsWith('refused') || l.event === 'error'))).toEqual([]);

    // The routing plan, as the ACD takes it.
    const planFile = join(dir, 'plan.csv');
    const plan = brandScript(world, ['plan', spikeId, '--out', planFile]);
    expect(await exited(plan), plan.stderr.join('')).toBe(0);
    const csv = await readFile(planFile, 'utf8');
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header).toMatch(/vendor/i);
    expect(rows.length).toBeGreaterThan(0);
  }, 90_000);

  it('the brand script refuses a key the API does not know, with its code, and exits 1', async () => {
    const r = run('python3', ['examples/brand-script/burst_brand.py', 'plan', '00000000-0000-4000-8000-000000000000'], {
      BURST_API_URL: base(),
      BURST_API_KEY: 'bx_test_not-a-key',
    });
    expect(await exited(r)).toBe(1);
    expect(r.stderr.join('')).toMatch(/UNAUTHENTICATED/);
  });
});

/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and
 * the time under a few groups of interest (by file path), as shares of all samples.
 *
 *   node --import tsx bench/support/profile-summary.ts bench/results/CPU.*.cpuprofile [top] [skip-seconds]
 *
 * `skip-seconds` leaves out the start of the profile (start-up, seeding, warm-up). V8 samples
 * wall-clock time: on a machine whose cores are shared, a process waiting for a core inside a
 * system call shows as time in that call (for time on a core, see perf-summary.ts). Used for
 * docs/benchmarks.md; prints, asserts nothing.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Groups by where the code lives; a sample counts for the first group on its stack, innermost first. */
const GROUPS: [string, RegExp][] = [
  ['pg driver (protocol, socket)', /node_modules\/(pg|pg-protocol|pg-pool)\//],
  ['MikroORM / Kysely', /node_modules\/(@mikro-orm|kysely)\//],
  ['graphql-js (parse, validate, execute)', /node_modules\/graphql\//],
  ['Apollo Server', /node_modules\/@apollo\//],
  ['type-graphql / class-validator', /node_modules\/(type-graphql|class-validator|class-transformer)\//],
  ['query cost (graphql-query-complexity)', /node_modules\/graphql-query-complexity\//],
  ['Express / body parsing', /node_modules\/(express|body-parser|router|raw-body|@as-integrations)\//],
  ['pino (logging)', /node_modules\/(pino|sonic-boom|fast-redact|pino-std-serializers)\//],
  ['prom-client (metrics)', /node_modules\/prom-client\//],
  ['app: src/', /\/src\//],
];

const [file, topArg, skipArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<number, number>();
let total = 0;
let elapsed = 0;
const skipMicros = Number(skipArg ?? 0) * 1e6;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  elapsed += dt;
  if (elapsed < skipMicros) return;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const label = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/.*?\/(src|workers|bench)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};

// Self time by function (merged across call sites).
const selfByLabel = new Map<string, number>();
for (const [id, t] of self) {
  const key = label(byId.get(id)!);
  selfByLabel.set(key, (selfByLabel.get(key) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nTop self time:`);
for (const [key, t] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))) console.log(`${pct(t)}  ${key}`);

// Inclusive time per group: the innermost frame on each sample's stack that belongs to a group.
const groupTime = new Map<string, number>();
for (const [id, t] of self) {
  let group = '(idle, GC, native, other)';
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (n.callFrame.functionName === '(idle)') break;
    const hit = GROUPS.find(([, re]) => re.test(n.callFrame.url));
    if (hit) {
      group = hit[0];
      break;
    }
  }
  const idle = byId.get(id)!.callFrame.functionName;
  if (idle === '(idle)' || idle === '(garbage collector)' || idle === '(program)') group = idle;
  groupTime.set(group, (groupTime.get(group) ?? 0) + t);
}
console.log('\nBy innermost library on the stack:');
for (const [g, t] of [...groupTime].sort((a, b) => b[1] - a[1])) console.log(`${pct(t)}  ${g}`);

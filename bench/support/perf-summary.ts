/**
 * Summarises on-CPU samples recorded by Linux `perf` (with call graphs) of a Node process or of
 * PostgreSQL backends: where the CPU went, as shares of all samples.
 *
 *   perf record -F 997 -g -p <pid,...> -o api.data -- sleep 15
 *   perf script -i api.data -F comm,tid,ip,sym | node --import tsx bench/support/perf-summary.ts node
 *   perf script -i pg.data -F comm,tid,ip,sym | node --import tsx bench/support/perf-summary.ts postgres
 *
 * Node needs `--perf-basic-prof` to name its JavaScript frames. On a machine whose cores are
 * shared, V8's own profiler (`--cpu-prof`) samples wall-clock time: a process waiting for a core
 * inside a system call shows as time in that call. perf counts only time on a core.
 */
import { createInterface } from 'node:readline';

/** A Node sample goes to the library of its innermost JavaScript frame (or to the thread it ran on). */
const NODE_GROUPS: [string, RegExp][] = [
  ['pg driver (protocol)', /node_modules\/(pg|pg-protocol|pg-pool)\//],
  ['MikroORM / Kysely', /node_modules\/(@mikro-orm|kysely)\//],
  ['type-graphql', /node_modules\/type-graphql\//],
  ['class-validator', /node_modules\/(class-validator|class-transformer)\//],
  ['query cost (graphql-query-complexity)', /node_modules\/graphql-query-complexity\//],
  ['graphql-js', /node_modules\/graphql\//],
  ['Apollo Server', /node_modules\/(@apollo|@as-integrations)\//],
  ['Express, body parsing', /node_modules\/(express|body-parser|router|raw-body|content-type|on-finished|finalhandler|iconv-lite|type-is|qs)\//],
  ['pino', /node_modules\/(pino|sonic-boom|fast-redact|pino-std-serializers)\//],
  ['prom-client', /node_modules\/prom-client\//],
  ['app: src/graphql, src/http (limits, plugins, resolvers)', /\/src\/(graphql|http)\//],
  ['app: src/domain, src/persistence', /\/src\/(domain|persistence)\//],
  ['app: other', /\/src\//],
  ['socket writes (libuv, kernel)', /LibuvStreamWrap::DoTryWrite|StreamBase::Writev/],
  ['node: http', /(?<![:\w])node:_?http/],
  ['node: net, streams, timers, events', /(?<![:\w])node:(net|internal\/stream|stream|internal\/streams|internal\/timers|events)/],
  ['node: other (promise jobs, module loader, process)', /(?<![:\w])node:(?!:)/],
];

/** PostgreSQL samples, by the phase of a statement on their stack (inclusive; WAL flush is within commit). */
const POSTGRES_PHASES: [string, RegExp][] = [
  ['parse', /\bpg_parse_query\b/],
  ['analyse and rewrite', /\bpg_analyze_and_rewrite/],
  ['plan', /\bpg_plan_queries\b/],
  ['executor start (cached plan, locks, init)', /\b(PortalStart|GetCachedPlan)\b/],
  ['execute', /\bstandard_ExecutorRun\b/],
  ['  of which row locks (FOR SHARE, FOR KEY SHARE)', /\bheap_lock_tuple\b/],
  ['commit', /\bCommitTransactionCommand\b/],
  ['  of which WAL flush', /\bXLogFlush\b/],
  ['read from the client socket', /\b(pq_getbyte|secure_read)\b/],
  ['write to the client socket', /\b(__send|secure_write)\b/],
];

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'node';
let total = 0;
const counts = new Map<string, number>();
const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

function flush(thread: string, frames: string[]) {
  if (!frames.length) return;
  total += 1;
  if (kind === 'postgres') {
    const stack = frames.join('\n');
    for (const [name, re] of POSTGRES_PHASES) if (re.test(stack)) add(name);
    return;
  }
  if (thread !== 'MainThread') return add('other threads (GC, JIT compiler, libuv pool)');
  for (const frame of frames) {
    const group = NODE_GROUPS.find(([, re]) => re.test(frame));
    if (group) return add(group[0]);
  }
  add('main thread, no JavaScript frame (GC, native)');
}

let thread = '';
let frames: string[] = [];
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  if (!line.startsWith('\t') && !line.startsWith(' ')) {
    flush(thread, frames);
    thread = line.trim().split(/\s+/)[0]!;
    frames = [];
    continue;
  }
  const symbol = line.trim().split(' ').slice(1).join(' ');
  if (symbol) frames.push(symbol);
}
flush(thread, frames);

const order = kind === 'postgres' ? POSTGRES_PHASES.map(([n]) => n) : [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
console.log(`${total} on-CPU samples (${kind})${kind === 'postgres' ? ', by phase, inclusive' : ', by innermost library'}:`);
for (const name of order) console.log(`${((100 * (counts.get(name) ?? 0)) / Math.max(1, total)).toFixed(1).padStart(5)} %  ${name}`);

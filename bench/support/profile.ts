import { loadavg } from 'node:os';

/**
 * The benchmarks' profile: BURST_PROFILE, or as the processes detect it (src/config.ts): `embedded`
 * when no database or Redis is named (DATABASE_URL, REDIS_URL, BENCH_DATABASE_URL all unset, or
 * BENCH_DATABASE_URL a `pglite:` location), else `redis`.
 */
function detect(env: NodeJS.ProcessEnv): 'embedded' | 'postgres' | 'redis' {
  const named = env.BURST_PROFILE?.trim();
  if (named === 'embedded' || named === 'postgres' || named === 'redis') return named;
  if (named) throw new Error(`BURST_PROFILE must be embedded, postgres or redis, got "${named}"`);
  if (env.BENCH_DATABASE_URL?.startsWith('pglite:')) return 'embedded';
  return env.DATABASE_URL?.trim() || env.REDIS_URL?.trim() || env.BENCH_DATABASE_URL?.trim() ? 'redis' : 'embedded';
}

export const BENCH_PROFILE = detect(process.env);
export const EMBEDDED = BENCH_PROFILE === 'embedded';

/** Peak resident memory of this process so far (the kernel's maxRSS), in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** One line for the embedded figures: peak and current RSS of this process, and the machine's load. */
export function memoryLine(when: string): string {
  const [one, five] = loadavg();
  return `${when}: peak RSS ${peakRssMiB().toFixed(0)} MiB, RSS now ${(process.memoryUsage.rss() / 1024 / 1024).toFixed(0)} MiB (load average ${one!.toFixed(2)}, ${five!.toFixed(2)})`;
}

/**
 * Samples this process's RSS every `everyMs` until `stop`, which returns the highest sample in MiB:
 * the peak of one phase, which maxRSS (a peak over the whole life, seeding included) cannot give.
 */
export function sampleRss(everyMs = 100): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024;
    },
  };
}

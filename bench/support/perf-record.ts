/**
 * On-CPU profiles of the processes a load runs on, with Linux `perf` (where it is installed):
 * the server process and the PostgreSQL backends, recorded for a few seconds while the load
 * runs, then summarised by perf-summary.ts. Files go to bench/results/.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

function record(pids: number[], file: string, seconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const perf = spawn('perf', ['record', '-q', '-F', '997', '-g', '-p', pids.join(','), '-o', file, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
    perf.on('error', reject);
    perf.on('exit', () => resolve());
  });
}

async function summary(file: string, kind: 'node' | 'postgres'): Promise<string> {
  const { stdout } = await run(
    'sh',
    ['-c', `perf script -i ${file} -F comm,tid,ip,sym 2>/dev/null | node --import tsx bench/support/perf-summary.ts ${kind}`],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

/** Records `serverPid` and `backendPids` for `seconds` after `delayMs`, then returns both summaries. */
export async function profileWhileLoaded(name: string, serverPid: number, backendPids: number[], seconds: number, delayMs = 2000): Promise<string> {
  mkdirSync('bench/results', { recursive: true });
  await new Promise((r) => setTimeout(r, delayMs));
  const server = `bench/results/perf-${name}-server.data`;
  const postgres = `bench/results/perf-${name}-postgres.data`;
  try {
    await Promise.all([record([serverPid], server, seconds), record(backendPids, postgres, seconds)]);
    return `${name}, server process: ${await summary(server, 'node')}\n${name}, PostgreSQL backends: ${await summary(postgres, 'postgres')}`;
  } catch (error) {
    return `perf not available (${(error as Error).message})`;
  }
}

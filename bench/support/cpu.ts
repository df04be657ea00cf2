/**
 * CPU time spent by processes while a load runs, read from /proc (Linux only; elsewhere the
 * figures are absent): on a machine where the load generator, the server and PostgreSQL share
 * the cores, where the CPU goes per request says more than latency does.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every common Linux build

/** utime + stime of a process in ms, or null if it is gone or /proc is not there. */
export function processCpuMs(pid: number): number | null {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Server process ids of PostgreSQL backends connected to one database (the load's pool). */
export async function backendPids(client: pg.Client, database: string): Promise<number[]> {
  const rows = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
  return rows.rows.map((r) => r.pid);
}

export interface CpuSnapshot {
  server: number | null;
  backends: Map<number, number | null>;
  generator: number;
}

export async function snapshot(serverPid: number, client: pg.Client, database: string): Promise<CpuSnapshot> {
  const pids = await backendPids(client, database);
  const usage = process.cpuUsage();
  return {
    server: processCpuMs(serverPid),
    backends: new Map(pids.map((pid) => [pid, processCpuMs(pid)])),
    generator: (usage.user + usage.system) / 1000,
  };
}

/** CPU ms per request between two snapshots: server process, PostgreSQL backends, load generator. */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): { server: number; postgres: number; generator: number } | null {
  if (before.server === null || after.server === null || requests === 0) return null;
  let postgres = 0;
  // A backend that connected during the load counts from 0: all its time is in the window.
  for (const [pid, end] of after.backends) postgres += (end ?? 0) - (before.backends.get(pid) ?? 0);
  return { server: (after.server - before.server) / requests, postgres: postgres / requests, generator: (after.generator - before.generator) / requests };
}

export function describeCpu(name: string, cpu: ReturnType<typeof cpuPerRequest>): string {
  if (!cpu) return `${name.padEnd(26)} CPU per request: not available`;
  const f = (ms: number) => `${ms.toFixed(2)} ms`;
  return `${name.padEnd(26)} CPU per request: server ${f(cpu.server)}, PostgreSQL ${f(cpu.postgres)}, load generator ${f(cpu.generator)}, total ${f(cpu.server + cpu.postgres + cpu.generator)}`;
}

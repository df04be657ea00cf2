import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Creates the PostgreSQL cluster of a new embedded data folder in a short-lived child process.
 * PGlite's initdb peaks at about 1.06 GiB of resident memory on this stack, while opening an
 * existing folder peaks near 0.45 GiB: run in the API process, initdb alone would put it over its
 * 1 GiB budget (issue 15) for the rest of its life, since the WebAssembly heap never shrinks. The
 * child exits before the API opens the folder, so the two peaks never add up. A folder that
 * already holds a cluster (PG_VERSION) is left as it is.
 */
export async function initialiseDataFolder(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)}); const db = await PGlite.create(${JSON.stringify(dir)}); await db.close();`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`Could not create the embedded database in ${dir} (exit ${code}): ${stderr.trim().slice(0, 2000)}`)),
    );
  });
}

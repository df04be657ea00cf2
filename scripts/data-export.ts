/**
 * `npm run data:export -- --out burst.sql [--data-dir DIR] [--force]`: writes a plain SQL dump of
 * an embedded data folder (DIR, else BURST_DATA_DIR, else .burst/data) that psql loads into an
 * empty database on PostgreSQL 15 or newer (src/persistence/embedded/export-dump.ts; README,
 * "Moving an embedded data folder to a real PostgreSQL"). The API must be stopped first.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataFolderInUseError, exportDataFolder, NoDataFolderError } from '../src/persistence/embedded/export-dump.js';
import { DEFAULT_DATA_DIR } from '../src/platform/profile.js';

const usage = 'Usage: npm run data:export -- --out <file.sql> [--data-dir <folder>] [--force]';
let values: { out?: string; 'data-dir'?: string; force?: boolean };
try {
  ({ values } = parseArgs({ options: { out: { type: 'string' }, 'data-dir': { type: 'string' }, force: { type: 'boolean' } } }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (!values.out) {
  console.error(`--out is required.\n${usage}`);
  process.exit(2);
}

const dir = resolve(values['data-dir'] ?? (process.env.BURST_DATA_DIR?.trim() || DEFAULT_DATA_DIR));
const out = resolve(values.out);
try {
  const dump = await exportDataFolder(dir, { force: values.force ?? false });
  writeFileSync(out, dump);
  console.log(`Exported ${dir} to ${out} (${dump.length} bytes; the queues' schema is left out: it holds only transient jobs).`);
  console.log('Load it into an EMPTY database on PostgreSQL 15 or newer (no db:migrate first: the dump carries the schema and its migrations table):');
  console.log(`  createdb burst_exchange && psql -v ON_ERROR_STOP=1 --single-transaction -d burst_exchange -f ${values.out}`);
} catch (error) {
  if (error instanceof DataFolderInUseError || error instanceof NoDataFolderError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

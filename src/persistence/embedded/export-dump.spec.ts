import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDataFolder, DataFolderInUseError, forPostgres15, NoDataFolderError } from './export-dump.js';

describe('the embedded export', () => {
  it('drops the settings a PostgreSQL 15 server refuses, and nothing else', () => {
    const row = "--\n-- Name: t; Type: TABLE DATA\n--\n\nINSERT INTO t VALUES ('a note\nSET transaction_timeout = 0;\n');\n";
    const dump = `SET statement_timeout = 0;\nSET transaction_timeout = 0;\nSET lock_timeout = 0;\n\n${row}`;
    expect(forPostgres15(dump)).toBe(`SET statement_timeout = 0;\nSET lock_timeout = 0;\n\n${row}`);
  });

  it('refuses a folder without a cluster, and one a process holds unless forced', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burst-export-spec-'));
    try {
      expect(() => checkDataFolder(dir)).toThrow(NoDataFolderError);
      writeFileSync(join(dir, 'PG_VERSION'), '18\n');
      expect(() => checkDataFolder(dir)).not.toThrow();
      writeFileSync(join(dir, 'postmaster.pid'), '-42\n');
      expect(() => checkDataFolder(dir)).toThrow(DataFolderInUseError);
      expect(() => checkDataFolder(dir, true)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

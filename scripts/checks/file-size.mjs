#!/usr/bin/env node
/**
 * Fails when a hand-written source file passes MAX_LINES lines (STYLE.md: "files around 300 lines
 * at most; when a service grows, split one file per use case"). Generated files are exempt: the
 * migrations (written once, never edited), the emitted schema and generated client code.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX_LINES = 300;
const SOURCE = /\.(ts|tsx|mts|js|mjs|cjs|css)$/;
const GENERATED = [/^src\/persistence\/migrations\//, /(^|\/)generated\//, /\.gen\.ts$/];

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => SOURCE.test(f) && !GENERATED.some((g) => g.test(f)));
const over = files
  .map((file) => {
    try {
      return { file, lines: readFileSync(file, 'utf8').split('\n').length - 1 };
    } catch {
      return { file, lines: 0 }; // deleted in the work tree
    }
  })
  .filter((f) => f.lines > MAX_LINES)
  .sort((a, b) => b.lines - a.lines);
if (over.length) {
  console.error(`${over.length} source file(s) over ${MAX_LINES} lines; split them (one use case, one concern per file):`);
  for (const f of over) console.error(`  ${f.lines}  ${f.file}`);
  process.exit(1);
}
console.log(`file sizes: ${files.length} source files, none over ${MAX_LINES} lines`);

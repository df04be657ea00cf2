import { PGlite } from '@electric-sql/pglite';
import { readFileSync } from 'node:fs';
await PGlite.create({ loadDataDir: new Blob([readFileSync('node_modules/.vitest-cache/pglite-template.tar.gz')]) });

/** Writes schema.graphql at the repository root from the code (`npm run schema:emit`). */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printedSchema } from './schema.js';

const target = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
await writeFile(target, await printedSchema());
console.log(`Wrote ${target}`);

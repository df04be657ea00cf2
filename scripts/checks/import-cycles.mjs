#!/usr/bin/env node
/**
 * Fails on any import cycle in src/ and workers/, type-only imports included (a type cycle still
 * ties two modules together for a reader and for a refactor). Uses dpdm's API.
 */
import { parseDependencyTree, parseCircular, prettyCircular } from 'dpdm';

const tree = await parseDependencyTree(['src/**/*.ts', 'workers/**/*.ts'], { context: process.cwd(), tsconfig: 'tsconfig.json', transform: false });
const cycles = parseCircular(tree).filter((cycle) => cycle.every((file) => /^(src|workers)\//.test(file)));
if (cycles.length) {
  console.error(`${cycles.length} import cycle(s) in src/ and workers/:`);
  console.error(prettyCircular(cycles));
  process.exit(1);
}
console.log(`import cycles: none among ${Object.keys(tree).length} modules`);

// `npm run dev`: the API and the workers, each restarted by tsx when a source file changes, and
// the web console with hot reload at http://localhost:5173/console/ (Vite, the API behind it on
// the same origin), and GraphiQL at http://localhost:4000/graphiql/. The console's typed documents
// are generated again when a console file changes.
import { spawn, spawnSync } from 'node:child_process';
import { watch } from 'node:fs';

const bin = (path) => new URL(`../node_modules/${path}`, import.meta.url).pathname;
const codegen = () => spawnSync(process.execPath, [bin('@graphql-codegen/cli/cjs/bin.js'), '--config', 'console/codegen.ts', '--silent'], { stdio: 'inherit' });
codegen();
// GraphiQL (/graphiql) is served by the API from dist/graphiql: built once here, in about two seconds.
spawnSync(process.execPath, [bin('vite/bin/vite.js'), 'build', '--config', 'graphiql/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });

// The embedded profile (no DATABASE_URL or REDIS_URL) keeps its database in the API process, which
// then runs the workers itself (src/main.ts); the other profiles run them in a process of their own.
const profile = process.env.BURST_PROFILE?.trim() || (process.env.DATABASE_URL?.trim() || process.env.REDIS_URL?.trim() ? 'redis' : 'embedded');
const children = [
  ['api', [bin('tsx/dist/cli.mjs'), 'watch', '--clear-screen=false', 'src/main.ts']],
  ...(profile === 'embedded' ? [] : [['workers', [bin('tsx/dist/cli.mjs'), 'watch', '--clear-screen=false', 'workers/main.ts']]]),
  ['console', [bin('vite/bin/vite.js'), '--config', 'console/vite.config.ts']],
].map(([name, args]) => {
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  child.on('exit', (code) => console.log(`[dev] ${name} exited with ${code}`));
  return child;
});

// A changed query in console/src (or a new schema.graphql) needs new typed documents.
let pending = null;
const regenerate = (_event, file) => {
  if (!file || String(file).includes('gql') || !/\.(tsx?|graphql)$/.test(String(file))) return;
  clearTimeout(pending);
  pending = setTimeout(codegen, 300);
};
const watchers = [watch('console/src', { recursive: true }, regenerate), watch('schema.graphql', regenerate)];

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const w of watchers) w.close();
    for (const child of children) child.kill(signal);
    process.exit(0);
  });
}

// `npm run dev`: the API and the workers, each restarted by tsx when a source file changes.
import { spawn } from 'node:child_process';

const children = [
  ['api', ['watch', '--clear-screen=false', 'src/main.ts']],
  ['workers', ['watch', '--clear-screen=false', 'workers/main.ts']],
].map(([name, args]) => {
  const child = spawn(process.execPath, [new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url).pathname, ...args], { stdio: 'inherit' });
  child.on('exit', (code) => console.log(`[dev] ${name} exited with ${code}`));
  return child;
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(0);
  });
}

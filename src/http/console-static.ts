/**
 * The web console's built files at /console (`npm run build` writes them to dist/console).
 * Hashed assets are cached for a year (`immutable`: their names change with their content); the
 * page itself is never cached, so a deploy is picked up at the next load. Every path under
 * /console that is not a file is the single-page app's own route and gets the page. The page
 * may load and connect to nothing but its own origin (Content-Security-Policy).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

export const CONSOLE_PATH = '/console';

/** connect-src 'self' covers same-origin ws:// and wss:// (CSP level 3). */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** dist/<name> under the package root (dist/console, dist/graphiql), from src/http (tsx) or dist/src/http (built) alike. */
export function distDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', name);
}

/** dist/console. */
export const defaultConsoleDir = (): string => distDir('console');

/** A single-page app built by Vite under `dir` (the console; GraphiQL, `what`, uses the same rules). */
export function consoleStatic(dir: string, what = 'console'): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('content-security-policy', CONSOLE_CSP);
    next();
  });
  router.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.use(express.static(dir, { index: false, maxAge: 0, setHeaders: (res) => res.setHeader('cache-control', 'no-cache') }));
  router.get(/.*/, (_req, res) => {
    const index = join(dir, 'index.html');
    if (!existsSync(index)) {
      res.status(404).type('text/plain').send(`The ${what} is not built: run \`npm run build\` (or \`npm run dev\` for development).`);
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(readFileSync(index));
  });
  return router;
}

import { resolve } from 'node:path';

/** Database URLs of the embedded profile: `pglite:<folder>` (a data folder) or `pglite:memory` (nothing on disk). */
export const EMBEDDED_SCHEME = 'pglite:';

/** BullMQ's PostgreSQL backend lives in this schema; the app's tables stay in public. */
export const EMBEDDED_QUEUE_SCHEMA = 'bullmq';

export function isEmbeddedUrl(url: string): boolean {
  return url.startsWith(EMBEDDED_SCHEME);
}

/** The data folder of a `pglite:` URL (absolute), or null for `pglite:memory`. */
export function embeddedDataDir(url: string): string | null {
  const rest = decodeURIComponent(url.slice(EMBEDDED_SCHEME.length).replace(/^\/\//, ''));
  return rest === 'memory' || rest === '' ? null : resolve(rest);
}

export function embeddedUrl(dataDir: string | null): string {
  return `${EMBEDDED_SCHEME}${dataDir === null ? 'memory' : resolve(dataDir)}`;
}

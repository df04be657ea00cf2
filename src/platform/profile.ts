/**
 * What the process runs on (docs/scaling.md#profiles): `embedded` PGlite in this process with
 * BullMQ on its PostgreSQL backend (the default when neither DATABASE_URL nor REDIS_URL is set),
 * `postgres` (PostgreSQL only: queues, limits and event fan-out on it), `redis` (PostgreSQL + Redis).
 */
export type Profile = 'embedded' | 'postgres' | 'redis';
export const PROFILES: readonly Profile[] = ['embedded', 'postgres', 'redis'];

/** The default data folder of the embedded profile (BURST_DATA_DIR). */
export const DEFAULT_DATA_DIR = '.burst/data';

import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

// Random bytes drawn in blocks: one call to the CSPRNG per 256 ids instead of one per id.
const POOL_SIZE = 16 * 256;
let pool = Buffer.alloc(0);
let poolOffset = POOL_SIZE;

function random16(): Buffer {
  if (poolOffset + 16 > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  return out;
}

/** How far from real time an id's time may be and still belong to the process's real-time sequence. */
const REAL_TIME_TOLERANCE_MS = 60_000;
/** Other timelines (sandbox test clocks, frozen between advances): the last counter used per millisecond, the newest few only. */
const elsewhere = new Map<number, number>();
const ELSEWHERE_KEPT = 1_024;

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then randomness. Ids sort by creation time,
 * which makes them usable as keyset-pagination cursors. Within one millisecond a 12-bit
 * counter keeps ids from one process strictly increasing.
 *
 * An id at a time far from real time (a sandbox's test clock: a year ahead after an advance)
 * belongs to another timeline: it takes its own per-millisecond counter and leaves the
 * process's real-time sequence alone. Before that, one such id moved the sequence to the
 * sandbox's time and every live id made after it carried that time (review of issue 16).
 */
export function uuidv7(now: number = Date.now()): string {
  if (Math.abs(now - Date.now()) > REAL_TIME_TOLERANCE_MS) return onOtherTimeline(now);
  if (now <= lastMs) {
    counter += 1;
    if (counter > 0xfff) {
      lastMs += 1;
      counter = 0;
    }
  } else {
    lastMs = now;
    counter = 0;
  }
  return format(lastMs, counter);
}

function onOtherTimeline(now: number): string {
  let ms = now;
  let next = (elsewhere.get(ms) ?? -1) + 1;
  while (next > 0xfff) {
    ms += 1;
    next = (elsewhere.get(ms) ?? -1) + 1;
  }
  elsewhere.delete(ms); // re-inserted last: the map keeps the most recently used
  elsewhere.set(ms, next);
  if (elsewhere.size > ELSEWHERE_KEPT) elsewhere.delete(elsewhere.keys().next().value!);
  return format(ms, next);
}

function format(ms: number, counter: number): string {
  const bytes = random16();
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = Math.floor(ms / 2 ** 24) & 0xff;
  bytes[3] = Math.floor(ms / 2 ** 16) & 0xff;
  bytes[4] = Math.floor(ms / 2 ** 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.js';

/** The Unix milliseconds a UUIDv7 carries (its first 48 bits). */
const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const YEAR = 366 * 86_400_000;

describe('uuidv7', () => {
  it('carries the time it is given, and ids of one process increase', () => {
    const ids = Array.from({ length: 5_000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    expect(Math.abs(msOf(ids[0]!) - Date.now())).toBeLessThan(1_000);
  });

  it('an id at another timeline’s time (a sandbox test clock a year ahead) leaves real-time ids at real time', () => {
    const ahead = Date.now() + YEAR;
    expect(msOf(uuidv7(ahead))).toBe(ahead);
    const live = uuidv7();
    // Before the fix the process's sequence jumped to the sandbox's year: every live id after it was dated a year ahead.
    expect(Math.abs(msOf(live) - Date.now())).toBeLessThan(1_000);
  });

  it('ids at one frozen instant of another timeline increase too (a test clock stands still between advances)', () => {
    const frozen = Date.now() + 3 * YEAR;
    const ids = Array.from({ length: 5_000 }, () => uuidv7(frozen));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(msOf(ids[0]!)).toBe(frozen);
    // Interleaved with real-time ids, each timeline keeps its order.
    const a = uuidv7(frozen);
    uuidv7();
    const b = uuidv7(frozen);
    expect(a < b).toBe(true);
    expect(a > ids.at(-1)!).toBe(true);
  });
});

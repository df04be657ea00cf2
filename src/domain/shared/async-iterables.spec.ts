import { Repeater } from '@repeaterjs/repeater';
import { describe, expect, it } from 'vitest';
import { END, filterMap } from './async-iterables.js';

describe('filterMap', () => {
  it('maps, drops nulls and ends on END', async () => {
    const source = (async function* () {
      yield* [1, 2, 3, 4, 5];
    })();
    const out: number[] = [];
    for await (const x of filterMap(source, async (n) => (n === 4 ? END : n % 2 ? n * 10 : null))) out.push(x);
    expect(out).toEqual([10, 30]);
  });

  it('returns at once while waiting for a source that may never yield, and closes the source', async () => {
    let stopped = false;
    const source = new Repeater<number>(async (_push, stop) => {
      await stop;
      stopped = true;
    });
    const it = filterMap(source, async (n) => n);
    const pending = it.next();
    await it.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(stopped).toBe(true);
  });
});

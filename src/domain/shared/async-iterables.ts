/** Returned by a `filterMap` callback to end the stream. */
export const END: unique symbol = Symbol('END');

/**
 * Maps a source stream with an async callback, dropping items it maps to null and ending when
 * it returns END. Written as an iterator object rather than an async generator on purpose:
 * `return()` on a generator waits for its pending `next()`, which for a live event stream may
 * never come, so an unsubscribe would leak the listener. Here `return()` closes the source at
 * once, which settles the pending `next()` as done.
 */
export function filterMap<S, R>(source: AsyncIterable<S>, fn: (item: S) => Promise<R | null | typeof END>): AsyncIterableIterator<R> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  const done = (): IteratorReturnResult<undefined> => ({ done: true, value: undefined });
  const close = async () => {
    finished = true;
    await it.return?.();
  };
  const self: AsyncIterableIterator<R> = {
    async next(): Promise<IteratorResult<R>> {
      while (!finished) {
        const item = await it.next();
        if (item.done) {
          finished = true;
          break;
        }
        const out = await fn(item.value);
        if (out === END) {
          await close();
          break;
        }
        if (out !== null && !finished) return { done: false, value: out };
      }
      return done();
    },
    async return(): Promise<IteratorResult<R>> {
      await close();
      return done();
    },
    async throw(error?: unknown): Promise<IteratorResult<R>> {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return self;
    },
  };
  return self;
}

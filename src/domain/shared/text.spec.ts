import { describe, expect, it } from 'vitest';
import { isStorableText, unstorableTextPath } from './text.js';

describe('storable text', () => {
  it('refuses NUL and unpaired surrogates, and accepts any other Unicode', () => {
    for (const ok of ['', 'plain', 'e\u0301', '🧨💥', '𝔘𝔫𝔦', '\u202e', '\r\n\t']) expect(isStorableText(ok), ok).toBe(true);
    for (const bad of ['\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\udc00\ud800', '🧨'.slice(0, 1)])
      expect(isStorableText(bad), JSON.stringify(bad)).toBe(false);
  });

  it('names the first unstorable string in a value, in the API’s path style', () => {
    expect(unstorableTextPath({ events: [{ externalId: 'ok' }, { externalId: 'a\u0000' }] }, 'input')).toBe('input.events[1].externalId');
    expect(unstorableTextPath(['\ud800'])).toBe('[0]');
    expect(unstorableTextPath({ a: 1, b: [true, null, 'fine'] })).toBeNull();
  });

  it('walks values nested deeper than the call stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(unstorableTextPath(deep)?.length).toBe(3 * 200_000);
  });
});

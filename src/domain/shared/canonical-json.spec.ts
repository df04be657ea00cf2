import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('writes bigints and Dates as strings and leaves out undefined properties', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 11, 6)), big: 12_345_678_901_234_567_890n, gone: undefined })).toBe(
      '{"at":"2026-12-06T00:00:00.000Z","big":"12345678901234567890"}',
    );
  });

  it('refuses numbers JSON cannot carry', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(RangeError);
    expect(() => canonicalJson([Infinity])).toThrow(RangeError);
  });

  it('gives the same bytes for the same value in any key order, and is a fixed point of parsing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const reordered = JSON.parse(
          JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)),
        );
        expect(canonicalJson(reordered)).toBe(text);
      }),
      { numRuns: 500, seed: 20_261_206 },
    );
  });

  it('hashes with SHA-256 in hex', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.js';

describe('secret box', () => {
  const box = createSecretBox(Buffer.alloc(32, 1));

  it('opens what it sealed, for the same id only', () => {
    const sealed = box.seal('whsec_abc', 'endpoint-1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('whsec_abc');
    expect(box.open(sealed, 'endpoint-1')).toBe('whsec_abc');
    expect(() => box.open(sealed, 'endpoint-2')).toThrow();
  });

  it('refuses tampered values and other keys, and never seals the same way twice', () => {
    const sealed = box.seal('whsec_abc', 'e');
    const [v, iv, tag, ct] = sealed.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.open([v, iv, tag, flipped.toString('base64url')].join('.'), 'e')).toThrow();
    expect(() => createSecretBox(Buffer.alloc(32, 2)).open(sealed, 'e')).toThrow();
    expect(box.seal('whsec_abc', 'e')).not.toBe(sealed);
    expect(() => createSecretBox(Buffer.alloc(16))).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { capacityOf } from './memory-limits.js';

const limits = { points: 100, anonymousPoints: 5, ingestPoints: 7, windowMs: 60_000 };

describe('capacityOf (embedded and PostgreSQL profiles)', () => {
  it('gives a sandbox one bucket of a key’s size, apart from its keys’ and its creator’s', () => {
    expect(capacityOf(limits, { kind: 'sandbox', sandboxId: 's1' })).toEqual([100, 'sandbox:s1']);
    expect(capacityOf(limits, { kind: 'key', apiKeyId: 's1' })).toEqual([100, 'key:s1']);
    expect(capacityOf(limits, { kind: 'ingest', organizationId: 'sandbox:s1' })).toEqual([7, 'ingest:sandbox:s1']);
  });
});

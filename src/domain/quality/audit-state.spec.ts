import { describe, expect, it } from 'vitest';
import { auditStateAfter } from './audit-authority.js';

describe('auditStateAfter (PRODUCT.md section 9: FAIL suspends until a later PASS)', () => {
  it('is NONE without audits and the latest result otherwise', () => {
    expect(auditStateAfter([])).toEqual({ state: 'NONE', decidedBy: -1 });
    expect(auditStateAfter(['PASS'])).toEqual({ state: 'PASS', decidedBy: 0 });
    expect(auditStateAfter(['PASS', 'CONDITIONAL'])).toEqual({ state: 'CONDITIONAL', decidedBy: 1 });
    expect(auditStateAfter(['CONDITIONAL', 'FAIL'])).toEqual({ state: 'FAIL', decidedBy: 1 });
  });

  it('keeps a FAIL through later CONDITIONAL audits, and only a PASS lifts it', () => {
    expect(auditStateAfter(['FAIL', 'CONDITIONAL'])).toEqual({ state: 'FAIL', decidedBy: 0 });
    expect(auditStateAfter(['FAIL', 'CONDITIONAL', 'CONDITIONAL'])).toEqual({ state: 'FAIL', decidedBy: 0 });
    expect(auditStateAfter(['FAIL', 'CONDITIONAL', 'PASS'])).toEqual({ state: 'PASS', decidedBy: 2 });
    expect(auditStateAfter(['FAIL', 'PASS', 'CONDITIONAL'])).toEqual({ state: 'CONDITIONAL', decidedBy: 2 });
    expect(auditStateAfter(['FAIL', 'CONDITIONAL', 'FAIL'])).toEqual({ state: 'FAIL', decidedBy: 2 });
  });
});

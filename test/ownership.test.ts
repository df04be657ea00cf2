import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One owner for each concern (issue 13), held in place: the modules that may touch a concern's
 * tables or files are listed here, and a new one fails this test instead of drifting in.
 */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const production = [...sources('src'), ...sources('workers')].filter((f) => !f.startsWith(join('src', 'persistence', 'migrations')));
const matching = (pattern: RegExp) => production.filter((f) => pattern.test(readFileSync(f, 'utf8'))).sort();

describe('one owner for each concern', () => {
  it('writes ledger rows only through the ledger writer', () => {
    expect(matching(/insert\s+into\s+ledger_(transaction|entry)/i)).toEqual([join('src', 'domain', 'settlement', 'ledger.ts')]);
  });

  it('reads delivery reports only in the delivery context', () => {
    expect(matching(/\bdelivery_report\b/).filter((f) => !f.startsWith(join('src', 'domain', 'delivery')))).toEqual([
      join('src', 'persistence', 'entities', 'delivery.ts'),
    ]);
  });

  it('applies the effective-actuals rule only through delivery-facts.ts', () => {
    expect(matching(/pickEffectiveActuals\(/)).toEqual([
      join('src', 'domain', 'delivery', 'delivery-facts.ts'),
      join('src', 'domain', 'delivery', 'effective-actuals.ts'),
    ]);
  });

  it('casts nothing with `as never` in production code (a cast that hides a type error rather than stating a type)', () => {
    expect(matching(/\bas never\b/)).toEqual([]);
  });

  it('keeps test helpers out of the production build', () => {
    expect(matching(/from '(\.\.\/)+test\//)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.js';

describe('toCsv', () => {
  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(toCsv([['a,b', 'say "hi"', 'x\ny', 1, 2n, null]])).toBe('"a,b","say ""hi""","x\ny",1,2,\r\n');
  });

  it('neutralises a text cell a spreadsheet would run as a formula: = + - @ TAB CR get a leading quote', () => {
    expect(toCsv([['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\t=1', '\r=1', '=x,y']])).toBe(`'=1+1,'+SUM(A1),'-2+3,'@cmd,'\t=1,"'\r=1","'=x,y"\r\n`);
  });

  it('leaves numbers as numbers: negative amounts, decimals, bigints', () => {
    expect(toCsv([['-4.00', '-12', '0.50', -3, -5n, 'a=b']])).toBe('-4.00,-12,0.50,-3,-5,a=b\r\n');
  });
});

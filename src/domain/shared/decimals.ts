/**
 * Whether `x` has at most `decimals` decimals, judged on the decimal the client wrote: JSON
 * numbers arrive as the double nearest that decimal, and `toFixed` rounds back to the same
 * double exactly when no further digit was written (0.1 + 0.2 fails, 0.3 passes).
 */
export function hasAtMostDecimals(x: number, decimals: number): boolean {
  return Number.isFinite(x) && Number(x.toFixed(decimals)) === x;
}

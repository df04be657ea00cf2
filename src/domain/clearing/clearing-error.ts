/** Machine-readable failure of a clearing run. */
export type ClearingErrorCode = 'SOLVER_FAILED' | 'SOLVER_TIMEOUT' | 'INVALID_INPUT';

/**
 * Thrown by `solveClearing` instead of returning anything that is not a proven optimum.
 *
 * Invariant: a clearing either returns a complete, proven-optimal award or throws this error;
 * there is never a partial award.
 */
export class ClearingError extends Error {
  /** Machine-readable failure code (SCREAMING_SNAKE). */
  readonly code: ClearingErrorCode;
  /** For INVALID_INPUT: the offending field as a path, e.g. `bids[2].offered[0].seats`. */
  readonly field: string | undefined;

  constructor(code: ClearingErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ClearingError';
    this.code = code;
    this.field = field;
  }
}

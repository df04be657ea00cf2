/**
 * Expected business failures travel as values, not exceptions: a use case decides on them
 * before its first write and returns `fail(...)`; the API maps each kind to a typed
 * `UserError` member of the mutation's result union.
 */

export type FailureKind =
  | 'VALIDATION'
  | 'CONFLICT'
  | 'NOT_ELIGIBLE'
  | 'BIDDING_CLOSED'
  | 'INVALID_STATE'
  | 'ABOVE_RESERVE'
  | 'DUPLICATE_BID'
  | 'CONTACTS_EXCEED_CAPACITY'
  | 'CLOCK_BACKWARDS'
  | 'SANDBOX_LIMIT';

export interface Failure {
  kind: FailureKind;
  message: string;
  /** Input path of the offending value, e.g. "input.offered[2].seats". */
  field?: string;
  /** For NOT_ELIGIBLE: every rule the vendor fails. */
  rules?: EligibilityFailure[];
  /** For CONTACTS_EXCEED_CAPACITY: the most contacts the staffing could have handled. */
  limit?: number;
}

export type EligibilityRule =
  | 'VENDOR_SUSPENDED'
  | 'AUDIT_FAILED'
  | 'BRAND_AUDIT_FAILED'
  | 'MISSING_SKILLS'
  | 'MISSING_CERTIFICATIONS'
  | 'BELOW_MIN_QUALITY_SCORE'
  | 'IN_HOUSE_FOR_OTHER_BRAND'
  | 'NOT_A_VENDOR';

export interface EligibilityFailure {
  rule: EligibilityRule;
  detail: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(kind: FailureKind, message: string, field?: string): Result<T> => ({
  ok: false,
  failure: { kind, message, ...(field === undefined ? {} : { field }) },
});

/** Thrown by use cases for missing or foreign objects and role violations; mapped to GraphQL error codes. */
export class AccessError extends Error {
  constructor(
    readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'AccessError';
  }
}

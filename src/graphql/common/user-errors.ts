import { Field, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import type { EligibilityRule, Failure, FailureKind } from '../../domain/shared/result.js';

/** The stable codes of expected business failures; each belongs to one error type. */
export enum UserErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  NOT_ELIGIBLE = 'NOT_ELIGIBLE',
  BIDDING_CLOSED = 'BIDDING_CLOSED',
  INVALID_STATE = 'INVALID_STATE',
  ABOVE_RESERVE = 'ABOVE_RESERVE',
  DUPLICATE_BID = 'DUPLICATE_BID',
  CONTACTS_EXCEED_CAPACITY = 'CONTACTS_EXCEED_CAPACITY',
  TEST_CLOCK_BACKWARDS = 'TEST_CLOCK_BACKWARDS',
  SANDBOX_LIMIT_REACHED = 'SANDBOX_LIMIT_REACHED',
}
registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Why a request was refused as an expected business failure. New codes may be added; branch on the ones you handle.',
  valuesConfig: {
    BAD_USER_INPUT: { description: 'The input breaks a rule (ValidationError); `field` names it.' },
    CONFLICT: { description: 'A stale version, or an idempotency key reused with another payload (ConflictError).' },
    NOT_ELIGIBLE: { description: 'The vendor may not bid on the spike (NotEligibleError); `rules` lists why.' },
    BIDDING_CLOSED: { description: 'Bidding on the spike is over (BiddingClosedError).' },
    INVALID_STATE: { description: 'The object is not in a state that allows this (InvalidStateError).' },
    ABOVE_RESERVE: { description: 'The rate is above the spike’s reserve rate (AboveReserveError).' },
    DUPLICATE_BID: { description: 'The vendor already has an active bid on the spike (DuplicateBidError).' },
    CONTACTS_EXCEED_CAPACITY: { description: 'More contacts than the staffed seat-hours could handle (ContactsExceedCapacityError).' },
    TEST_CLOCK_BACKWARDS: { description: 'A sandbox’s test clock only moves forward (TestClockBackwardsError).' },
    SANDBOX_LIMIT_REACHED: { description: 'The organisation holds as many sandboxes as it may (SandboxLimitError).' },
  },
});

@InterfaceType('UserError', {
  description: 'An expected business failure: the request was understood and refused, and nothing was written. Branch on `code`.',
  resolveType: (value: { constructor: { name: string } }) => value.constructor.name,
})
export abstract class UserError {
  @Field(() => UserErrorCode, { description: 'Stable machine-readable code; each error type has its own.' })
  code!: string;

  @Field(() => String, { description: 'Human-readable explanation.' })
  message!: string;

  @Field(() => String, { nullable: true, description: 'Path of the offending input, e.g. "input.offered[2].seats".' })
  field!: string | null;
}

function errorType(name: string, description: string) {
  @ObjectType(name, { implements: UserError, description })
  class E extends UserError {}
  Object.defineProperty(E, 'name', { value: name });
  return E;
}

export const ValidationError = errorType('ValidationError', 'The input breaks a rule (code BAD_USER_INPUT); `field` names it.');
export const ConflictError = errorType(
  'ConflictError',
  'The request conflicts with the current state (code CONFLICT): a stale version, or an idempotency key reused with another payload.',
);
export const BiddingClosedError = errorType('BiddingClosedError', 'Bidding on the spike is over (code BIDDING_CLOSED).');
export const InvalidStateError = errorType('InvalidStateError', 'The object is not in a state that allows this (code INVALID_STATE).');
export const AboveReserveError = errorType('AboveReserveError', 'The rate is above the spike’s reserve rate (code ABOVE_RESERVE).');
export const TestClockBackwardsError = errorType(
  'TestClockBackwardsError',
  'A test clock only moves forward (code TEST_CLOCK_BACKWARDS): `to` must be later than the clock’s current time.',
);
export const SandboxLimitError = errorType(
  'SandboxLimitError',
  'The organisation already has as many sandboxes as it may (code SANDBOX_LIMIT_REACHED): delete one first.',
);
export const DuplicateBidError = errorType('DuplicateBidError', 'The vendor already has an active bid on this spike (code DUPLICATE_BID): revise it instead.');

export enum EligibilityRuleEnum {
  VENDOR_SUSPENDED = 'VENDOR_SUSPENDED',
  AUDIT_FAILED = 'AUDIT_FAILED',
  BRAND_AUDIT_FAILED = 'BRAND_AUDIT_FAILED',
  MISSING_SKILLS = 'MISSING_SKILLS',
  MISSING_CERTIFICATIONS = 'MISSING_CERTIFICATIONS',
  BELOW_MIN_QUALITY_SCORE = 'BELOW_MIN_QUALITY_SCORE',
  IN_HOUSE_FOR_OTHER_BRAND = 'IN_HOUSE_FOR_OTHER_BRAND',
  NOT_A_VENDOR = 'NOT_A_VENDOR',
}
registerEnumType(EligibilityRuleEnum, {
  name: 'EligibilityRule',
  description: 'A bidding eligibility rule (PRODUCT.md section 4).',
  valuesConfig: {
    VENDOR_SUSPENDED: { description: 'The operator suspended the vendor.' },
    AUDIT_FAILED: {
      description: 'An audit FAIL by the operator (or an auditor it appointed) suspends the vendor from every spike until a later PASS of that authority.',
    },
    BRAND_AUDIT_FAILED: {
      description: 'The spike’s brand failed the vendor in its own audit: excluded from that brand’s spikes only, until the brand records a PASS.',
    },
    MISSING_SKILLS: { description: 'The vendor lacks a required skill.' },
    MISSING_CERTIFICATIONS: { description: 'The vendor lacks a required certification.' },
    BELOW_MIN_QUALITY_SCORE: { description: 'The vendor’s overall score is below the spike’s minimum.' },
    IN_HOUSE_FOR_OTHER_BRAND: { description: 'An in-house team bids only on its own brand’s spikes.' },
    NOT_A_VENDOR: { description: 'Only vendor organisations bid.' },
  },
});

@ObjectType({ description: 'One eligibility rule the vendor fails.' })
export class EligibilityFailureType {
  @Field(() => EligibilityRuleEnum, { description: 'The rule.' })
  rule!: EligibilityRule;

  @Field(() => String, { description: 'What exactly is missing.' })
  detail!: string;
}

@ObjectType('NotEligibleError', {
  implements: UserError,
  description: 'The vendor may not bid on this spike (code NOT_ELIGIBLE); `rules` lists every rule it fails.',
})
export class NotEligibleError extends UserError {
  @Field(() => [EligibilityFailureType], { description: 'Every failed rule.' })
  rules!: EligibilityFailureType[];
}

@ObjectType('ContactsExceedCapacityError', {
  implements: UserError,
  description:
    'More contacts handled than the staffed seat-hours could physically handle (code CONTACTS_EXCEED_CAPACITY): at most staffed seat-hours × 3,600 ÷ (a quarter of the interval’s forecast AHT, or 30 s for seat intervals) × chat concurrency.',
})
export class ContactsExceedCapacityError extends UserError {
  @Field(() => Int, { description: 'The most contacts the reported staffing could have handled in that interval.' })
  maxContactsHandled!: number;
}

const CLASSES: Record<FailureKind, { new (): UserError }> = {
  VALIDATION: ValidationError,
  CONFLICT: ConflictError,
  NOT_ELIGIBLE: NotEligibleError,
  BIDDING_CLOSED: BiddingClosedError,
  INVALID_STATE: InvalidStateError,
  ABOVE_RESERVE: AboveReserveError,
  DUPLICATE_BID: DuplicateBidError,
  CONTACTS_EXCEED_CAPACITY: ContactsExceedCapacityError,
  CLOCK_BACKWARDS: TestClockBackwardsError,
  SANDBOX_LIMIT: SandboxLimitError,
};

const CODES: Record<FailureKind, UserErrorCode> = {
  VALIDATION: UserErrorCode.BAD_USER_INPUT,
  CONFLICT: UserErrorCode.CONFLICT,
  NOT_ELIGIBLE: UserErrorCode.NOT_ELIGIBLE,
  BIDDING_CLOSED: UserErrorCode.BIDDING_CLOSED,
  INVALID_STATE: UserErrorCode.INVALID_STATE,
  ABOVE_RESERVE: UserErrorCode.ABOVE_RESERVE,
  DUPLICATE_BID: UserErrorCode.DUPLICATE_BID,
  CONTACTS_EXCEED_CAPACITY: UserErrorCode.CONTACTS_EXCEED_CAPACITY,
  CLOCK_BACKWARDS: UserErrorCode.TEST_CLOCK_BACKWARDS,
  SANDBOX_LIMIT: UserErrorCode.SANDBOX_LIMIT_REACHED,
};

/** The schema object for a domain failure. Unions resolve it by its class. */
export function toUserError(failure: Failure): UserError {
  const error = Object.assign(new CLASSES[failure.kind](), { code: CODES[failure.kind], message: failure.message, field: failure.field ?? null });
  if (failure.rules) Object.assign(error, { rules: failure.rules });
  if (failure.kind === 'CONTACTS_EXCEED_CAPACITY') Object.assign(error, { maxContactsHandled: failure.limit ?? 0 });
  return error;
}

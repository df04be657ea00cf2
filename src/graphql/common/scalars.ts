import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { GraphQLDateTimeISO, GraphQLUUID } from 'graphql-scalars';

const DIGITS = /^-?\d{1,19}$/;
const INT64_MAX = 2n ** 63n - 1n;

function parse(value: unknown): bigint {
  let result: bigint | null = null;
  if (typeof value === 'string' && DIGITS.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) result = BigInt(value);
  if (result === null || result > INT64_MAX || result < -INT64_MAX) {
    throw new GraphQLError('MinorUnits must be an integer (a string of digits, or a safe integer) within 64 bits', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return result;
}

/**
 * Money amounts in integer minor units of their currency (cents for USD, yen for JPY, fils for
 * BHD). Serialised as a string of digits so that 64-bit values survive JSON; accepted as such a
 * string or as a safe integer. Never a float.
 */
export const MinorUnitsScalar = new GraphQLScalarType<bigint, string>({
  name: 'MinorUnits',
  description:
    'An integer amount in the minor units of its currency (ISO 4217’s minor unit: cents for USD, yen for JPY, fils for BHD), as a string of up to 19 digits with an optional minus sign, e.g. "1854400" for USD 18,544.00. Never a float. Also accepted as a safe integer.',
  specifiedByURL: 'https://www.iso.org/iso-4217-currency-codes.html',
  serialize(value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'string' && DIGITS.test(value)) return value;
    throw new GraphQLError('MinorUnits cannot represent a non-integer value');
  },
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parse(ast.kind === Kind.INT ? Number(ast.value) : ast.value);
    throw new GraphQLError('MinorUnits must be a string of digits or an integer', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});

/**
 * Ids are UUIDs; a malformed one is refused while parsing the request (BAD_USER_INPUT), never sent
 * to SQL. graphql-scalars' scalar, with `@specifiedBy` and a description of the format.
 */
export const UuidScalar = new GraphQLScalarType({
  ...GraphQLUUID.toConfig(),
  description:
    'A UUID (RFC 9562) in its canonical form: 32 hexadecimal digits in groups of 8-4-4-4-12 separated by hyphens, e.g. "0193a0c4-5e1f-7b2a-9c3d-4e5f60718293". Ids made by the marketplace are version 7 (time-ordered). Accepted in either case; returned in lower case.',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc9562',
});

/**
 * Every Date field (type-graphql's scalarsMap, src/graphql/schema.ts): graphql-scalars'
 * DateTimeISO under the same name, with `@specifiedBy` (RFC 3339's date-time).
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  description:
    'An instant as an RFC 3339 date-time string, e.g. "2026-12-07T09:30:00.000Z": returned in UTC with milliseconds and "Z"; accepted with any UTC offset ("2026-12-07T10:30:00+01:00"). Periods are half-open [start, end).',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339#section-5.6',
});

const DECIMAL = /^-?\d{1,30}(\.\d{1,12})?$/;

function parseDecimal(value: unknown): string {
  if (typeof value === 'string' && DECIMAL.test(value)) return value;
  throw new GraphQLError('Decimal must be a string such as "1234.56": an optional minus sign, digits, and optionally a point and digits', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/**
 * An exact decimal number as a string, for rates and amounts that are not whole minor units (a
 * value-adjusted rate in minor units per seat-hour, to 0.01). Serialised only from strings made
 * by `decimalOf`, so no float reaches a client as a JSON number.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description:
    'An exact decimal number as a string: an optional minus sign, digits, and optionally a point and more digits, e.g. "1234.56" or "-0.0025"; no exponent, no thousands separators. Used for rates and amounts in minor units that carry fractions; parse it with a decimal library, never a float. Each field says its scale.',
  specifiedByURL: 'https://www.w3.org/TR/xmlschema11-2/#decimal',
  serialize(value) {
    if (typeof value === 'string' && DECIMAL.test(value)) return value;
    throw new GraphQLError('Decimal cannot represent a value that is not a decimal string');
  },
  parseValue: parseDecimal,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return parseDecimal(ast.value);
    throw new GraphQLError('Decimal must be a string', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});

/**
 * `value` as a decimal string with exactly `scale` decimals (toFixed rounds the double to the
 * nearest, which is the decimal the domain computed when it has at most `scale` decimals).
 */
export function decimalOf(value: number, scale: number): string {
  if (!Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`);
  const fixed = value.toFixed(scale);
  return /^-0(\.0*)?$/.test(fixed) ? fixed.slice(1) : fixed;
}

/** The same for a nullable value. */
export const decimalOrNull = (value: number | null, scale: number): string | null => (value === null ? null : decimalOf(value, scale));

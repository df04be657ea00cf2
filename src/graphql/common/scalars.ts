import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

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
  description: 'An integer amount in the currency’s minor units (e.g. cents), as a string of digits. Never a float.',
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

/** Ids are UUIDs; a malformed one is refused while parsing the request (BAD_USER_INPUT), never sent to SQL. */
export { GraphQLUUID as UuidScalar } from 'graphql-scalars';

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

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

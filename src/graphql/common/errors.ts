import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { AccessError } from '../../domain/shared/result.js';
import type { Logger } from '../../logger.js';
import { isDatabaseUnavailable } from '../../persistence/db-errors.js';
import type { Context } from '../context.js';

const UNAVAILABLE = 'The service cannot reach its database just now; retry shortly (a mutation with the same idempotency key is safe to retry)';

/**
 * The error for a request that could not be served because PostgreSQL was unreachable or dropped
 * the connection: SERVICE_UNAVAILABLE, HTTP 503 with Retry-After when nothing was executed.
 */
export function serviceUnavailable(): GraphQLError {
  return new GraphQLError(UNAVAILABLE, { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: new Map([['retry-after', '1']]) } } });
}

/**
 * Shapes every error a client sees: AccessErrors become their code (UNAUTHENTICATED,
 * FORBIDDEN, NOT_FOUND); input validation keeps BAD_USER_INPUT and names the field; a database
 * that is unreachable or dropped the connection is SERVICE_UNAVAILABLE (retryable); other
 * GraphQLErrors keep their codes (the query limits' QUERY_TOO_DEEP, TOO_MANY_ALIASES,
 * TOO_MANY_FIELDS, QUERY_TOO_COMPLEX and RATE_LIMITED among them); anything unexpected
 * becomes INTERNAL_SERVER_ERROR with a generic message, never a stack or SQL.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: (err: unknown) => void,
  logUnavailable: (err: unknown) => void = log,
  logClientMistake: (err: GraphQLError) => void = () => {},
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isUncodedClientMistake(original)) {
    logClientMistake(original);
    return { message: original.message, extensions: { code: 'BAD_REQUEST' } };
  }
  if (formatted.extensions?.code !== 'SERVICE_UNAVAILABLE' && isDatabaseUnavailable(original)) {
    logUnavailable(original);
    return { message: UNAVAILABLE, path: formatted.path, locations: formatted.locations, extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  if (original instanceof AccessError) {
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { code: original.code } };
  }
  if (isCoercionLimit(original)) {
    return { message: formatted.message, extensions: { code: 'BAD_USER_INPUT', field: null } };
  }
  const code = formatted.extensions?.code;
  if (code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED' || code === 'GRAPHQL_PARSE_FAILED') {
    const { validationErrors, ...rest } = stripStack(formatted.extensions);
    const errors = validationErrors as ValidationErrorLike[] | undefined;
    const problems = simplify(errors, argumentPrefix(errors));
    return { ...formatted, extensions: { ...rest, code, field: fieldOf(original, formatted), ...(problems.length ? { problems } : {}) } };
  }
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && original instanceof GraphQLError) {
    return { ...formatted, extensions: stripStack(formatted.extensions) };
  }
  log(original);
  return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * Apollo answers some client mistakes with a 4xx status but without a code (a persisted query
 * whose hash does not match its text, an unsupported persisted-query version); it then labels
 * them INTERNAL_SERVER_ERROR, and they were logged as bugs with a stack. Any error that carries
 * a 4xx status and no code of its own is the client's: BAD_REQUEST.
 */
function isUncodedClientMistake(error: unknown): error is GraphQLError {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return false;
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** graphql-js's "Did you mean …?" hints, in validation and variable coercion messages alike. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * Production answers name no schema elements the client did not name itself: every "Did you
 * mean …?" is removed, whichever transport and whichever stage (validation, variable coercion)
 * wrote it. Apollo's own option covers only validation over POST.
 */
export function withoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = formatted.message.replace(SUGGESTION, '');
  return message === formatted.message ? formatted : { ...formatted, message };
}

/**
 * graphql-js stops coercing variables after 50 errors (a list of 60 bad items) and adds an error
 * of its own, without a code or a location, so Apollo cannot tell it is the client's input:
 * without this it became INTERNAL_SERVER_ERROR and was logged as a bug. Found by
 * test/fuzz-mutations.test.ts.
 */
function isCoercionLimit(error: unknown): boolean {
  return error instanceof GraphQLError && !error.path && !error.nodes?.length && error.message.startsWith('Too many errors processing variables');
}

function stripStack(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const { stacktrace: _s, exception: _e, ...rest } = extensions ?? {};
  return rest;
}

interface ValidationErrorLike {
  property: string;
  target?: object;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

/**
 * Input objects are always passed as the `input` argument (their classes end in "Input"), so
 * their paths read like the domain's: "input.offered[0].seats". Plain arguments stand alone.
 */
function argumentPrefix(errors: ValidationErrorLike[] | undefined): string {
  return errors?.[0]?.target?.constructor.name.endsWith('Input') ? 'input' : '';
}

/**
 * class-validator errors carry the input object and value (which may hold bigints and must not
 * be echoed); clients get only each failing path and its messages.
 */
function simplify(errors: ValidationErrorLike[] | undefined, prefix = ''): { field: string; messages: string[] }[] {
  return (errors ?? []).flatMap((e) => {
    const path = /^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field: path, messages: Object.values(e.constraints) }] : [];
    return [...own, ...simplify(e.children, path)];
  });
}

/** The offending input path: from class-validator's errors, or from graphql-js's coercion message. */
function fieldOf(original: unknown, formatted: GraphQLFormattedError): string | null {
  const existing = formatted.extensions?.field;
  if (typeof existing === 'string') return existing;
  const validation = (original as { extensions?: { validationErrors?: ValidationErrorLike[] } })?.extensions?.validationErrors;
  const fromValidation = simplify(validation, argumentPrefix(validation))[0]?.field;
  if (fromValidation) return fromValidation;
  const m = /at "([^"]+)"/.exec(formatted.message) ?? /[Ff]ield "([^"]+)"/.exec(formatted.message) ?? /[Vv]ariable "\$([^"]+)"/.exec(formatted.message);
  return m ? m[1]! : null;
}

const requestLoggers = new WeakMap<object, Logger>();

/**
 * formatError sees the error but not the request. Apollo hands the same error objects to
 * didEncounterErrors first, so this plugin remembers each one's request logger: the
 * "unexpected error" line then carries the request id of the access log line.
 */
export const errorLoggerPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) requestLoggers.set(error, contextValue.logger);
      },
    };
  },
};

/** The logger of the request that raised `error`, or `fallback` (errors before the request had a context). */
export function loggerOf(error: unknown, fallback: Logger): Logger {
  return (typeof error === 'object' && error !== null && requestLoggers.get(error)) || fallback;
}

import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AccessError } from '../../domain/shared/result.js';

const HTTP_STATUS: Record<string, number> = { UNAUTHENTICATED: 401 };

/**
 * Shapes every error a client sees: AccessErrors become their code (UNAUTHENTICATED,
 * FORBIDDEN, NOT_FOUND); input validation keeps BAD_USER_INPUT and names the field; anything
 * unexpected becomes INTERNAL_SERVER_ERROR with a generic message, never a stack or SQL.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (err: unknown) => void): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof AccessError) {
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { code: original.code } };
  }
  const code = formatted.extensions?.code;
  if (code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED' || code === 'GRAPHQL_PARSE_FAILED') {
    return { ...formatted, extensions: { ...stripStack(formatted.extensions), code, field: fieldOf(original, formatted) } };
  }
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && original instanceof GraphQLError) {
    return { ...formatted, extensions: stripStack(formatted.extensions) };
  }
  log(original);
  return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

function stripStack(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const { stacktrace: _s, exception: _e, ...rest } = extensions ?? {};
  return rest;
}

interface ValidationErrorLike {
  property: string;
  children?: ValidationErrorLike[];
}

function pathOf(errors: ValidationErrorLike[] | undefined): string | null {
  const first = errors?.[0];
  if (!first) return null;
  const child = pathOf(first.children);
  if (!child) return first.property;
  return /^\d+$/.test(child.split('.')[0]!) ? `${first.property}[${child.split('.')[0]}]${child.slice(child.indexOf('.') === -1 ? child.length : child.indexOf('.'))}` : `${first.property}.${child}`;
}

/** The offending input path: from class-validator's errors, or from graphql-js's coercion message. */
function fieldOf(original: unknown, formatted: GraphQLFormattedError): string | null {
  const existing = formatted.extensions?.field;
  if (typeof existing === 'string') return existing;
  const validation = (original as { extensions?: { validationErrors?: ValidationErrorLike[] } })?.extensions?.validationErrors;
  const fromValidation = pathOf(validation);
  if (fromValidation) return fromValidation;
  const m = /at "([^"]+)"/.exec(formatted.message) ?? /[Ff]ield "([^"]+)"/.exec(formatted.message) ?? /[Vv]ariable "\$([^"]+)"/.exec(formatted.message);
  return m ? m[1]! : null;
}

export function httpStatusFor(code: string): number | undefined {
  return HTTP_STATUS[code];
}

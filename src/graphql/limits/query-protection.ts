import type { ApolloServerPlugin } from '@apollo/server';
import type { ParseOptions } from 'graphql';
import type { RateLimiter } from '../../http/rate-limit.js';
import type { Context } from '../context.js';
import { textInputPlugin } from '../common/text-input.plugin.js';
import { admissionPlugin } from './admission.plugin.js';

/** Limits on one GraphQL request; configured by QUERY_* variables (src/config.ts, README). */
export interface QueryLimits {
  /** Deepest field nesting (`{ me { role } }` is 2). */
  maxDepth: number;
  /** Aliased fields per operation, fragments counted at every use. */
  maxAliases: number;
  /** Field selections per operation, fragments counted at every use. */
  maxFields: number;
  /** Highest operation cost (query-cost.ts). */
  maxCost: number;
  /** Lexical tokens in the document; graphql-js stops parsing beyond it. Use variables for big inputs. */
  maxTokens: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 10, maxAliases: 30, maxFields: 300, maxCost: 10_000, maxTokens: 10_000 };

/**
 * The Apollo options that keep one request small and storable: the token cap while parsing,
 * then, before execution, the text check (no NUL or broken UTF-16) and the admission plugin
 * (who may introspect, cost and rate limit). The document's shape is checked earlier, in front of Apollo
 * (src/http/graphql-body.ts).
 */
export function queryProtection(
  limits: QueryLimits,
  limiter: RateLimiter | undefined,
  introspection: 'anyone' | 'authenticated',
): {
  parseOptions: ParseOptions;
  plugins: ApolloServerPlugin<Context>[];
} {
  return {
    parseOptions: { maxTokens: limits.maxTokens },
    plugins: [textInputPlugin, admissionPlugin({ maxCost: limits.maxCost, limiter, introspection })],
  };
}

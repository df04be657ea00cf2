/** Table shapes: web console sessions and single-use sign-in links (only SHA-256 hashes of their tokens are stored). */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const ConsoleSessionSchema = defineEntity({
  name: 'ConsoleSession',
  tableName: 'console_session',
  properties: {
    id: p.uuid().primary(),
    /** SHA-256 of the cookie's token, hex. */
    tokenHash: p.string().length(64).unique(),
    /** The key the session acts as: revoking it ends the session on its next request. */
    apiKeyId: p.uuid().index(),
    createdAt: p.datetime().columnType('timestamptz'),
    expiresAt: p.datetime().columnType('timestamptz').index(),
    /** Set by sign-out. */
    endedAt: p.datetime().columnType('timestamptz').strictNullable(),
  },
});

export type ConsoleSession = InferEntity<typeof ConsoleSessionSchema>;

export const ConsoleSignInLinkSchema = defineEntity({
  name: 'ConsoleSignInLink',
  tableName: 'console_sign_in_link',
  properties: {
    id: p.uuid().primary(),
    /** SHA-256 of the link's token, hex. */
    tokenHash: p.string().length(64).unique(),
    apiKeyId: p.uuid().index(),
    createdAt: p.datetime().columnType('timestamptz'),
    /** At most 15 minutes after creation (a check constraint holds it). */
    expiresAt: p.datetime().columnType('timestamptz'),
    /** Set once, atomically, when the link is used. */
    consumedAt: p.datetime().columnType('timestamptz').strictNullable(),
  },
});

export type ConsoleSignInLink = InferEntity<typeof ConsoleSignInLinkSchema>;

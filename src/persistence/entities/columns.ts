import { p } from '@mikro-orm/core';

/** Creation and last-change times, on the tables that have both. */
export const timestamps = {
  createdAt: p.datetime().columnType('timestamptz'),
  updatedAt: p.datetime().columnType('timestamptz'),
};

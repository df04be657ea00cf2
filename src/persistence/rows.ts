/**
 * Raw-SQL row types derived from the entities, so that a query's row type cannot drift from the
 * table it reads. `RowOf<typeof XSchema>` is the row `select *` returns through `em.execute`:
 * the entity's properties under their snake_case column names, with the values the pg driver
 * hands back as MikroORM configures it (test/persistence-schema.test.ts checks both rules against
 * the migrated database):
 *
 * - bigint columns come back as decimal strings (the entity says bigint);
 * - timestamptz columns come back as strings (the entity says Date): wrap them in `new Date()`;
 * - json/jsonb columns come back parsed, arrays as arrays, integers and doubles as numbers.
 *
 * Use it with `Pick<>` for the columns a query selects, and add computed columns by hand:
 * `Pick<RowOf<typeof ContractSchema>, 'id' | 'vendor_id'> & { reports: ReportRow[] }`.
 * A column selected with a cast (`x::text as x`) or an alias is the query's own type, not the
 * table's: declare it next to the query.
 */
import type { InferEntity } from '@mikro-orm/core';

/** camelCase → snake_case, as MikroORM's default naming strategy names columns (`rateMinor` → `rate_minor`). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

/** The runtime twin of `SnakeCase`, for the test that holds both to the ORM's column names. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** What pg returns for a column whose entity property has type T. */
export type RawValue<T> = T extends bigint ? string : T extends Date ? string : T;

/** The raw row of an entity's table: every column, snake_case, as pg returns it. */
export type RowOf<Schema> = {
  -readonly [K in keyof InferEntity<Schema> & string as SnakeCase<K>]-?: RawValue<Exclude<InferEntity<Schema>[K], undefined>>;
};

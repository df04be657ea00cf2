import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, type MikroORM } from '../src/persistence/orm.js';
import { snakeCase, type RowOf, type SnakeCase } from '../src/persistence/rows.js';
import { ContractSchema } from '../src/persistence/entities/contracts.js';
import { TEST_DATABASE_URL } from './support/env.js';

/**
 * The entities against the migrated schema: every table has an entity, every column a property of
 * the same name and nullability, and a property's runtime type fits its column, which is what
 * makes `RowOf` (persistence/rows.ts) the true type of a raw row. A migration that adds or
 * changes a column without its entity fails here, before a hand-written row type could drift.
 */

/** The column types a property of each runtime type may sit on (RowOf maps bigint and Date to string). */
const COLUMN_TYPES: Record<string, readonly string[]> = {
  string: ['uuid', 'text', 'character varying', 'character'],
  number: ['integer', 'double precision'],
  bigint: ['bigint'],
  boolean: ['boolean'],
  Date: ['timestamp with time zone'],
  'string[]': ['ARRAY'],
  any: ['jsonb'],
};

interface Column {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
}

interface Prop {
  name: string;
  fieldNames: string[];
  runtimeType: string;
  nullable?: boolean;
}

let orm: MikroORM;
let columns: Column[];
let tables: Map<string, Prop[]>;

beforeAll(async () => {
  orm = await createOrm(TEST_DATABASE_URL, 2);
  columns = await orm.em.fork().execute<Column[]>(
    `select table_name, column_name, data_type, is_nullable from information_schema.columns
      where table_schema = 'public' and table_name <> 'mikro_orm_migrations' order by table_name, ordinal_position`,
  );
  const metas = orm.getMetadata().getAll() as unknown as Map<unknown, { tableName: string; props: Prop[] }>;
  tables = new Map([...metas.values()].map((m) => [m.tableName, m.props]));
});

afterAll(async () => {
  await orm.close();
});

describe('entities and the migrated schema', () => {
  it('give every table an entity and every entity a table', () => {
    const inSchema = [...new Set(columns.map((c) => c.table_name))].sort();
    expect([...tables.keys()].sort()).toEqual(inSchema);
  });

  it('name every column by its property, snake_case, and no property without a column', () => {
    for (const [table, props] of tables) {
      const expected = columns.filter((c) => c.table_name === table).map((c) => c.column_name);
      expect(props.map((prop) => prop.fieldNames[0]).sort(), table).toEqual([...expected].sort());
      for (const prop of props) expect(prop.fieldNames[0], `${table}.${prop.name}`).toBe(snakeCase(prop.name));
    }
  });

  it('agree on nullability and on the type of every column', () => {
    const mismatches: string[] = [];
    for (const c of columns) {
      const prop = tables.get(c.table_name)?.find((p) => p.fieldNames[0] === c.column_name);
      if (!prop) continue; // reported by the test above
      if ((prop.nullable === true) !== (c.is_nullable === 'YES')) mismatches.push(`${c.table_name}.${c.column_name}: nullable ${c.is_nullable}`);
      if (!COLUMN_TYPES[prop.runtimeType]?.includes(c.data_type)) mismatches.push(`${c.table_name}.${c.column_name}: ${c.data_type} as ${prop.runtimeType}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('get back from pg what RowOf says: bigints and times as strings, the rest as themselves', async () => {
    const [row] = await orm.em
      .fork()
      .execute<Record<string, unknown>[]>(
        `select 12::bigint as b, now() as t, 1::int as i, 0.5::double precision as d, '{"a":1}'::jsonb as j, array['x']::text[] as a, true as f`,
      );
    expect(row).toMatchObject({ b: '12', i: 1, d: 0.5, j: { a: 1 }, a: ['x'], f: true });
    expect(typeof row!.t).toBe('string');
    // The type-level half: a contract row names its columns snake_case, with pg's value types.
    const typed: Pick<RowOf<typeof ContractSchema>, 'rate_minor' | 'starts_at' | 'interval_minutes' | 'needs_settlement'> = {
      rate_minor: '12',
      starts_at: String(row!.t),
      interval_minutes: 15,
      needs_settlement: false,
    };
    const column: SnakeCase<'serviceLevelPpm'> = 'service_level_ppm';
    expect([typed.rate_minor, column]).toEqual(['12', 'service_level_ppm']);
  });
});

import { readFileSync } from 'node:fs';
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type IntrospectionOptions } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INTROSPECTION_COST } from '../src/graphql/limits/introspection-cost.js';
import { DEFAULT_QUERY_LIMITS } from '../src/graphql/limits/query-protection.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { raw } from './support/raw-http.js';

/**
 * Issue 16, item 2: the schema loads from the URL. The introspection queries that graphql-codegen,
 * GraphiQL, Postman and Insomnia send (graphql-js's getIntrospectionQuery with each of its
 * options) are served to a key in production, under the default limits (depth, aliases, fields,
 * tokens, cost) and for INTROSPECTION_COST of the default rate budget; without a key production
 * still refuses them.
 */
let prod: Harness;
// The production defaults of src/config.ts: RATE_LIMIT_POINTS 50,000 per RATE_LIMIT_WINDOW_MS 60 s.
const BUDGET = 50_000;
beforeAll(async () => {
  prod = await startHarness({ production: true, queryLimits: DEFAULT_QUERY_LIMITS, rateLimit: { points: BUDGET, anonymousPoints: 1_000, windowMs: 60_000 } });
});
afterAll(async () => {
  await prod.close();
});
beforeEach(async () => {
  await resetState(prod);
});

const VARIANTS: [string, IntrospectionOptions][] = [
  ['graphql-js defaults (Postman, Insomnia)', {}],
  ['descriptions off', { descriptions: false }],
  ['specifiedByUrl', { specifiedByUrl: true }],
  ['directiveIsRepeatable', { directiveIsRepeatable: true }],
  ['schemaDescription', { schemaDescription: true }],
  ['inputValueDeprecation (GraphiQL)', { inputValueDeprecation: true, schemaDescription: true }],
  [
    'every option (graphql-codegen url-loader)',
    { descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true },
  ],
];

const introspect = (query: string, key?: string) =>
  raw(prod.url, JSON.stringify({ query, operationName: 'IntrospectionQuery', variables: {} }), key ? { authorization: `Bearer ${key}` } : {});

/** The committed schema, in the order a client that sorts it sees it. */
const committed = printSchema(lexicographicSortSchema(buildSchema(readFileSync('schema.graphql', 'utf8'))));

describe('introspection for an authenticated caller in production', () => {
  it.each(VARIANTS)(
    'serves the standard introspection query (%s), and the schema it returns is schema.graphql (@specifiedBy with specifiedByUrl)',
    async (_name, options) => {
      const r = await introspect(getIntrospectionQuery(options), prod.operatorKey);
      expect(r.body.errors).toBeUndefined();
      expect(r.status).toBe(200);
      const loaded = buildClientSchema(r.body.data);
      // Without specifiedByUrl the loaded scalars have no @specifiedBy; everything else is identical.
      const expected = options.specifiedByUrl ? committed : committed.replace(/ @specifiedBy\(url: "[^"]*"\)/g, '');
      if (options.descriptions !== false) expect(printSchema(lexicographicSortSchema(loaded))).toBe(expected);
      else expect(Object.keys(loaded.getTypeMap()).sort()).toEqual(Object.keys(buildSchema(committed).getTypeMap()).sort());
    },
  );

  it(`charges ${INTROSPECTION_COST} points of the ${BUDGET} budget, so a client can load the schema hundreds of times a minute`, async () => {
    // The key's bucket starts full (a fresh key), so what is left is exactly the budget less the price.
    const r = await introspect(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, inputValueDeprecation: true }), prod.operatorKey);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ratelimit-limit')).toBe(String(BUDGET));
    expect(Number(r.headers.get('x-ratelimit-remaining'))).toBe(BUDGET - INTROSPECTION_COST);
  });

  it('charges aliased copies each, so copies cannot multiply the answer for one price', async () => {
    const copies = (n: number) => `query IntrospectionQuery { ${Array.from({ length: n }, (_, i) => `s${i}: __schema { types { name } }`).join(' ')} }`;
    const r = await introspect(copies(3), prod.operatorKey);
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('x-ratelimit-remaining'))).toBe(BUDGET - 3 * INTROSPECTION_COST);
  });

  it('refuses an introspection that selects the lists of a referenced type (exponential in the schema) as QUERY_TOO_COMPLEX', async () => {
    const query = '{ __schema { types { fields { type { fields { name } } } } } }';
    const r = await introspect(query.replace('{', 'query IntrospectionQuery {'), prod.operatorKey);
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
    expect(r.body.errors[0].message).toMatch(/type reference/);
  });

  it('still keeps the depth limit for what is not an ofType chain', async () => {
    const nested = `query IntrospectionQuery { __type(name: "Query") { ${'fields { type { '.repeat(5)}name${' } }'.repeat(5)} } }`;
    const r = await introspect(nested, prod.operatorKey);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', depth: 12 });
  });
});

describe('introspection without a key in production', () => {
  it.each(VARIANTS)('refuses the standard introspection query (%s) with INTROSPECTION_DISABLED', async (_name, options) => {
    const r = await introspect(getIntrospectionQuery(options));
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED' });
  });

  it('refuses __type and introspection mixed into another query too', async () => {
    for (const query of ['{ __type(name: "Query") { name } }', '{ me { role } __schema { queryType { name } } }']) {
      const r = await raw(prod.url, JSON.stringify({ query }));
      expect(r.body.errors[0].extensions).toMatchObject({ validationErrorCode: 'INTROSPECTION_DISABLED' });
    }
  });
});

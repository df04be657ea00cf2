import { Client, fetchExchange } from '@urql/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_QUERY_LIMITS } from '../src/graphql/limits/query-protection.js';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import { CREATE_ORG } from './support/operations.js';
import { raw } from './support/raw-http.js';

/**
 * Query protection on /graphql (docs/security.md): depth, aliases, fields, cost, tokens, body
 * size and batching are refused before anything executes, each with a code of its own; CSRF
 * protection holds. (Production's schema hiding and error shapes: production-errors.test.ts.)
 */
let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

const post = (query: string, key?: string, variables: Record<string, unknown> = {}) =>
  raw(h.url, JSON.stringify({ query, variables }), key ? { authorization: `Bearer ${key}` } : {});

/** `contracts { nodes { spike { ... } } }`-style nesting: `levels` × `fields { type { ... } }` under __type, the rest a name. */
const typeChain = (levels: number) => `{ __type(name: "Query") { ${'fields { type { '.repeat(levels)}name${' } }'.repeat(levels)} } }`;
const aliased = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: me { role }`).join(' ')} }`;
const bigPage = (alias: string) => `${alias}: demandSpikes(first: 100) { nodes { id intervals { index requiredSeats } } }`;

describe('depth', () => {
  it('refuses an operation deeper than the limit with QUERY_TOO_DEEP, the depth and the limit', async () => {
    // __type > 5 × (fields > type) > name: 12 levels.
    const r = await post(typeChain(5), h.operatorKey);
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors).toEqual([
      { message: 'The operation is 12 levels deep; at most 10 are allowed', extensions: { code: 'QUERY_TOO_DEEP', depth: 12, limit: 10 } },
    ]);
  });

  it('admits exactly the limit past the depth check', async () => {
    // __type > 4 × (fields > type) > name: 10 levels pass the depth check, and only then meet
    // graphql-js's own rule against nested introspection lists, in validation.
    const r = await post(typeChain(4), h.operatorKey);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ message: 'Maximum introspection depth exceeded', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('sees depth hidden in fragments', async () => {
    const query = `query { __type(name: "Query") { ...F } } fragment F on __Type { fields { type { ...G } } } fragment G on __Type { fields { type { fields { type { fields { type { fields { name } } } } } } } }`;
    expect((await post(query, h.operatorKey)).body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', depth: 11 });
  });

  it('does not count the ofType chain of introspection (a chain of single objects; the standard introspection query nests it nine deep)', async () => {
    const query = `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(12)}name${' }'.repeat(12)} } } } }`;
    expect((await post(query, h.operatorKey)).status).toBe(200);
  });
});

describe('aliases and fields', () => {
  it('refuses 31 aliases with TOO_MANY_ALIASES and admits 30', async () => {
    const refused = await post(aliased(31), m.brand.key);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions).toEqual({ code: 'TOO_MANY_ALIASES', aliases: 31, limit: 30 });
    const admitted = await post(aliased(30), m.brand.key);
    expect(admitted.status).toBe(200);
    expect(Object.keys(admitted.body.data)).toHaveLength(30);
  });

  it('counts aliases at every use of a fragment', async () => {
    const fragment = `fragment F on Query { ${Array.from({ length: 16 }, (_, i) => `f${i}: me { role }`).join(' ')} }`;
    const r = await post(`query { ...F ... on Query { ...F } } ${fragment}`, m.brand.key);
    expect(r.body.errors[0].extensions).toEqual({ code: 'TOO_MANY_ALIASES', aliases: 32, limit: 30 });
  });

  it('refuses hundreds of repeated fields with TOO_MANY_FIELDS before graphql-js compares them', async () => {
    const query = `{ ${'me { role } '.repeat(151)}}`;
    const r = await post(query, m.brand.key);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions).toEqual({ code: 'TOO_MANY_FIELDS', fields: 302, limit: DEFAULT_QUERY_LIMITS.maxFields });
    expect((await post(`{ ${'me { role } '.repeat(150)}}`, m.brand.key)).status).toBe(200);
  });

  it('refuses a document over the token limit as a parse failure', async () => {
    const r = await post(`{ me { role ${'__typename '.repeat(DEFAULT_QUERY_LIMITS.maxTokens)}} }`, m.brand.key);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(r.body.errors[0].message).toMatch(/more th\w+ 10000 tokens/);
  });
});

describe('cost', () => {
  it('refuses nested lists of first: 100 with QUERY_TOO_COMPLEX, the cost and the limit', async () => {
    // Each page: 1 + 100 × (1 spike + 48 intervals) = 4,901 points; three of them 14,703.
    const r = await post(`{ ${bigPage('a')} ${bigPage('b')} ${bigPage('c')} }`, m.brand.key);
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', cost: 14_703, limit: 10_000 });
    expect(r.body.errors[0].message).toMatch(/costs 14703 points; at most 10000/);
  });

  it('admits two such pages, and prices `first` given as a variable', async () => {
    expect((await post(`{ ${bigPage('a')} ${bigPage('b')} }`, m.brand.key)).status).toBe(200);
    const query = `query($n: Int) { a: demandSpikes(first: $n) { nodes { intervals { index } } } b: demandSpikes(first: $n) { nodes { intervals { index } } } c: demandSpikes(first: $n) { nodes { intervals { index } } } }`;
    expect((await post(query, m.brand.key, { n: 20 })).status).toBe(200);
    expect((await post(query, m.brand.key, { n: 100 })).body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 14_703 });
  });

  it('refuses a fragment bomb as QUERY_TOO_COMPLEX (or by its shape), never by working through it', async () => {
    const levels = Array.from({ length: 12 }, (_, i) => `fragment L${i} on Query { ...L${i + 1} ... on Query { ...L${i + 1} } }`).join(' ');
    const r = await post(`query { ...L0 } ${levels} fragment L12 on Query { me { role } }`, m.brand.key);
    expect(r.status).toBe(400);
    // 2^12 copies of `me { role }`: the shape check counts them without expanding.
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_FIELDS', fields: 8192 });
  });
});

describe('batching and bodies', () => {
  it('refuses a batched request with BATCHING_NOT_ALLOWED and runs none of it', async () => {
    const before = await rowCounts(h.orm);
    const one = { query: CREATE_ORG, variables: { input: { name: 'Batched', kind: 'BRAND' } } };
    const r = await raw(h.url, JSON.stringify([one, { ...one, variables: { input: { name: 'Batched 2', kind: 'BRAND' } } }]), {
      authorization: `Bearer ${h.operatorKey}`,
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      errors: [{ message: 'Batched operations are not accepted: send one operation per request', extensions: { code: 'BATCHING_NOT_ALLOWED' } }],
    });
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('refuses a body over 1 MB with 413 PAYLOAD_TOO_LARGE, as JSON without a stack', async () => {
    const r = await raw(h.url, JSON.stringify({ query: '{ me { role } }', variables: { pad: 'x'.repeat(1_100_000) } }), {
      authorization: `Bearer ${h.operatorKey}`,
    });
    expect(r.status).toBe(413);
    expect(r.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(r.text).not.toMatch(/ at |node_modules|<html/i);
  });

  it('refuses malformed JSON with 400 BAD_REQUEST, as JSON without a stack', async () => {
    const r = await raw(h.url, '{"query": "{ me { role } }"', { authorization: `Bearer ${h.operatorKey}` });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(r.text).not.toMatch(/ at |node_modules|<html|SyntaxError/i);
  });
});

describe('CSRF prevention', () => {
  it('refuses a simple cross-site POST (text/plain, no preflight header) and runs nothing', async () => {
    const before = await rowCounts(h.orm);
    const body = JSON.stringify({ query: CREATE_ORG, variables: { input: { name: 'Forged', kind: 'BRAND' } } });
    // What a cross-site form can send: a cookie at most, never a header of its own.
    const r = await raw(h.url, body, { 'content-type': 'text/plain', cookie: 'bx_console=forged' });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ message: expect.stringMatching(/Cross-Site Request Forgery/), extensions: { code: 'BAD_REQUEST' } });
    // With a key (which a browser would pre-flight) a text/plain body is still not JSON, and not run.
    const keyed = await raw(h.url, body, { 'content-type': 'text/plain', authorization: `Bearer ${h.operatorKey}` });
    expect(keyed.status).toBe(400);
    expect(keyed.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('refuses a GET without a key or a preflight header, and serves one with either', async () => {
    const url = `${h.url}?query=${encodeURIComponent('{ me { role } }')}`;
    const refused = await raw(url, undefined, {}, 'GET');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    // A console cookie is not a preflight header: a cross-site GET with it stays refused.
    const withCookie = await raw(url, undefined, { cookie: 'bx_console=forged', 'x-burst-console': '1' }, 'GET');
    expect(withCookie.status).toBe(400);
    expect(withCookie.body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    const preflighted = await raw(url, undefined, { authorization: `Bearer ${m.brand.key}`, 'apollo-require-preflight': 'true' }, 'GET');
    expect(preflighted.status).toBe(200);
    expect(preflighted.body.data.me.role).toBe('BRAND');
    // Authorization itself forces a browser's preflight, which the API never answers cross-site.
    const withKey = await raw(url, undefined, { authorization: `Bearer ${m.brand.key}` }, 'GET');
    expect(withKey.status).toBe(200);
    expect(withKey.body.data.me.role).toBe('BRAND');
    // Never stored by a shared cache: the answer is the key's own.
    expect(withKey.headers.get('cache-control')).toBe('no-store');
  });

  it("serves urql's default GET queries with a key, as the client sends them", async () => {
    const methods: string[] = [];
    const client = new Client({
      url: h.url,
      exchanges: [fetchExchange],
      fetchOptions: { headers: { authorization: `Bearer ${m.brand.key}` } },
      fetch: (input, init) => {
        methods.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });
    const result = await client.query<{ me: { role: string } }>('query Me { me { role } }', {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.me.role).toBe('BRAND');
    expect(methods).toEqual(['GET']);
  });

  it('refuses a mutation over GET even with a key, and writes nothing', async () => {
    const before = await rowCounts(h.orm);
    const params = new URLSearchParams({ query: CREATE_ORG, variables: JSON.stringify({ input: { name: 'Over GET', kind: 'BRAND' } }) });
    const r = await raw(`${h.url}?${params}`, undefined, { authorization: `Bearer ${h.operatorKey}` }, 'GET');
    expect(r.status).toBe(405);
    expect(r.body.data).toBeUndefined();
    expect(await rowCounts(h.orm)).toEqual(before);
  });
});

describe('limits configured lower', () => {
  let low: Harness;
  beforeAll(async () => {
    low = await startHarness({ queryLimits: { maxDepth: 3, maxAliases: 5, maxFields: 20, maxCost: 25, maxTokens: 500 } });
  });
  afterAll(async () => {
    await low.close();
  });

  it('refuses before execution: an over-budget mutation writes nothing', async () => {
    await resetState(low);
    const before = await rowCounts(low.orm);
    const create = (alias: string) => `${alias}: createOrganization(input: { name: "${alias}", kind: BRAND }) { __typename }`;
    // Each createOrganization costs 1 + 10 (a mutation): 22 admitted, 33 refused.
    const r = await gql(low.url, `mutation { ${create('a')} ${create('b')} ${create('c')} }`, {}, low.operatorKey);
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', cost: 33, limit: 25 });
    expect(await rowCounts(low.orm)).toEqual(before);
    expect(ok(await gql(low.url, `mutation { ${create('a')} ${create('b')} }`, {}, low.operatorKey)).a.__typename).toBe('Organization');
  });

  it('applies the configured depth and aliases', async () => {
    await resetState(low);
    const deep = await gql(low.url, '{ me { organization { id } apiKey { id } } }', {}, low.operatorKey);
    expect(deep.errors).toBeUndefined();
    expect((await gql(low.url, '{ __type(name: "Query") { fields { type { name } } } }', {}, low.operatorKey)).errors?.[0]?.extensions?.code).toBe(
      'QUERY_TOO_DEEP',
    );
    expect(
      (await gql(low.url, `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: me { role }`).join(' ')} }`, {}, low.operatorKey)).errors?.[0]?.extensions,
    ).toEqual({ code: 'TOO_MANY_ALIASES', aliases: 6, limit: 5 });
    expect((await gql(low.url, '{ a: me { role } b: me { role } c: me { role } d: me { role } e: me { role } }', {}, low.operatorKey)).errors).toBeUndefined();
  });
});

import { getIntrospectionQuery, getNamedType, getNullableType, getOperationAST, isCompositeType, isListType, isObjectType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { getSchema } from '../schema.js';
import { documentShape, shapeRefusal } from './document-limits.js';
import { INTROSPECTION_COST } from './introspection-cost.js';
import { costWithinLimit } from './operation-admission.js';
import { DEFAULT_QUERY_LIMITS } from './query-protection.js';
import { EXTRA_COST, LIST_SIZES, operationCost, TooManyNodesError } from './query-cost.js';

const cost = async (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return operationCost(await getSchema(), document, getOperationAST(document)!, variables);
};

describe('operation cost', () => {
  it('names only fields that exist: a renamed field must not silently lose its price', async () => {
    const schema = await getSchema();
    const field = (coordinate: string) => {
      const [type, name] = coordinate.split('.') as [string, string];
      const t = schema.getType(type);
      return isObjectType(t) ? t.getFields()[name] : undefined;
    };
    for (const coordinate of Object.keys(EXTRA_COST)) expect(field(coordinate), coordinate).toBeDefined();
    for (const coordinate of Object.keys(LIST_SIZES)) {
      const f = field(coordinate);
      expect(f && isListType(getNullableType(f.type)) && isCompositeType(getNamedType(f.type)), coordinate).toBe(true);
    }
  });

  it('prices objects 1 and scalars 0', async () => {
    expect(await cost('{ me { role } }')).toBe(1);
    expect(await cost('{ me { role apiKey { id } organization { id name } } }')).toBe(3);
    expect(await cost('{ me { __typename } }')).toBe(1);
  });

  it('multiplies a connection by its page size, the default one included; edges and pageInfo are free', async () => {
    expect(await cost('{ demandSpikes { nodes { id } } }')).toBe(21);
    expect(await cost('{ demandSpikes(first: 100) { nodes { id } } }')).toBe(101);
    expect(await cost('{ demandSpikes(first: 100) { edges { cursor node { id } } pageInfo { hasNextPage } } }')).toBe(101);
    expect(await cost('query($n: Int) { demandSpikes(first: $n) { nodes { id } } }', { n: 5 })).toBe(6);
  });

  it('counts lists without `first` at their expected size, nested inside pages', async () => {
    expect(await cost('{ demandSpikes(first: 100) { nodes { intervals { index } } } }')).toBe(1 + 100 * (1 + 48));
    expect(await cost('{ organization(id: "0190a000-0000-7000-8000-000000000000") { skills } }')).toBe(1);
  });

  it('caps `first` at the largest page, which validation enforces anyway', async () => {
    expect(await cost('{ demandSpikes(first: 100000) { nodes { id } } }')).toBe(101);
  });

  it('adds the price of expensive reads once and of mutations, quality batches by size', async () => {
    expect(await cost('{ reconciliation { balanced } }')).toBe(51);
    expect(await cost('{ accruals(first: 100) { nodes { contractId } } }')).toBe(20 + 1 + 100);
    expect(await cost('mutation { rotateQualityIngestSecret { secret } }')).toBe(11);
    const events = Array.from({ length: 95 }, (_, i) => ({
      externalId: `e${i}`,
      kind: 'FCR',
      vendorId: '0190a000-0000-7000-8000-000000000000',
      resolved: true,
    }));
    const batch = 'mutation($input: RecordQualityEventsInput!) { recordQualityEvents(input: $input) { __typename } }';
    expect(await cost(batch, { input: { events } })).toBe(1 + 10 + 10 + 10);
  });

  it('leaves bad variables to execution, which runs nothing then', async () => {
    expect(await cost('query($n: Int!) { demandSpikes(first: $n) { nodes { id } } }', {})).toBe(0);
  });

  it('stops walking a fragment bomb', async () => {
    const levels = Array.from({ length: 20 }, (_, i) => `fragment L${i} on Query { ...L${i + 1} ... on Query { ...L${i + 1} } }`).join(' ');
    await expect(cost(`query { ...L0 } ${levels} fragment L20 on Query { me { role } }`)).rejects.toThrow(TooManyNodesError);
  });
});

describe('document shape', () => {
  const shape = (query: string) => documentShape(parse(query));

  it('measures depth, aliases and fields through fragments, each use counted', () => {
    expect(shape('{ me { role } }')).toEqual({ depth: 2, aliases: 0, fields: 2 });
    expect(shape('query { ...F ...F a: me { role } } fragment F on Query { b: me { organization { id } } }')).toEqual({ depth: 3, aliases: 3, fields: 8 });
  });

  it('counts fields of unused fragments too: validation reads them', () => {
    expect(shape(`{ me { role } } fragment Unused on Query { ${'me { role } '.repeat(50)}}`).fields).toBe(102);
  });

  it('survives fragment cycles, which validation reports', () => {
    expect(shape('query { ...A } fragment A on Query { ...B me { role } } fragment B on Query { ...A }')).toEqual({ depth: 2, aliases: 0, fields: 2 });
  });

  it('refuses by the first limit broken, with the measure and the limit', () => {
    const limits = { maxDepth: 2, maxAliases: 1, maxFields: 4 };
    expect(shapeRefusal(parse('{ me { role } }'), limits)).toBeNull();
    expect(shapeRefusal(parse('{ me { organization { id } } }'), limits)?.extensions).toEqual({ code: 'QUERY_TOO_DEEP', depth: 3, limit: 2 });
    expect(shapeRefusal(parse('{ a: me { role } b: me { role } }'), limits)?.extensions).toEqual({ code: 'TOO_MANY_ALIASES', aliases: 2, limit: 1 });
    expect(shapeRefusal(parse('{ me { role } x: me { role } me { role } }'), limits)?.extensions).toEqual({ code: 'TOO_MANY_FIELDS', fields: 6, limit: 4 });
  });
});

describe('introspection', () => {
  const admitted = async (query: string) => {
    const document = parse(query);
    return costWithinLimit(await getSchema(), document, getOperationAST(document)!, {}, DEFAULT_QUERY_LIMITS.maxCost);
  };
  const full = getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  });

  it('prices the standard introspection query at INTROSPECTION_COST, which the object model priced over the limit', async () => {
    expect(await admitted(full)).toEqual({ cost: INTROSPECTION_COST });
    expect(await cost(full)).toBeGreaterThan(DEFAULT_QUERY_LIMITS.maxCost);
  });

  it('fits the default shape limits: the ofType chain adds no depth', () => {
    const shape = documentShape(parse(full));
    expect(shape.depth).toBe(6);
    expect(shape.fields).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxFields);
    expect(shapeRefusal(parse(full), DEFAULT_QUERY_LIMITS)).toBeNull();
  });

  it('refuses a referenced type’s lists, and prices mixed operations by objects', async () => {
    const refused = await admitted('{ __schema { types { fields { type { fields { name } } } } } }');
    expect('error' in refused && refused.error.extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(await admitted('{ me { role } __type(name: "Query") { name } }')).toEqual({ cost: 2 });
  });
});

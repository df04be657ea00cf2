import { readdirSync, readFileSync } from 'node:fs';
import { buildSchema, Kind, parse, validate, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';

/**
 * The documentation's GraphQL examples (issue 16, Docs): every ```graphql block in README.md and
 * docs/*.md parses and validates against schema.graphql, and every mutation of the schema is used
 * in at least one of them. A block may hold several operations (each is validated on its own,
 * with the block's fragments); placeholders such as "<spike id>" sit in strings, or are variables.
 */
const schema = buildSchema(readFileSync('schema.graphql', 'utf8'));
const files = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Block {
  where: string;
  text: string;
}

const blocks: Block[] = files.flatMap((file) => {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^```graphql\n([\s\S]*?)^```/gm)].map((m) => ({ where: `${file}:${text.slice(0, m.index).split('\n').length}`, text: m[1]! }));
});

/** Each operation of a block as a document of its own, with the block's fragments. */
function operations(document: DocumentNode): DocumentNode[] {
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => ({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] }));
}

describe('GraphQL examples in the docs', () => {
  it('there are examples to check', () => {
    expect(blocks.length).toBeGreaterThan(20);
    expect(blocks.some((b) => b.where.startsWith('docs/integrating.md'))).toBe(true);
  });

  it.each(blocks.map((b) => [b.where, b] as const))('%s parses and validates against schema.graphql', (_where, block) => {
    const document = parse(block.text);
    const ops = operations(document);
    expect(ops.length).toBeGreaterThan(0);
    for (const op of ops) expect(validate(schema, op).map((e) => e.message)).toEqual([]);
  });

  it('every mutation of the schema appears in at least one example', () => {
    const used = new Set<string>();
    for (const block of blocks) {
      visit(parse(block.text), {
        OperationDefinition(node) {
          if (node.operation !== 'mutation') return;
          for (const selection of node.selectionSet.selections) if (selection.kind === Kind.FIELD) used.add(selection.name.value);
        },
      });
    }
    const mutations = Object.keys(schema.getMutationType()!.getFields()).sort();
    const missing = mutations.filter((name) => !used.has(name));
    expect(missing, `mutations without an example in a \`\`\`graphql block of README.md or docs/*.md: ${missing.join(', ')}`).toEqual([]);
  });
});

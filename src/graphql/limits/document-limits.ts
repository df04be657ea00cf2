import { Kind, visit, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The shape of a parsed document, measured before graphql-js validates it: validation itself
 * is the first thing an oversized document attacks (comparing a few hundred same-named fields
 * takes graphql-js's overlap rule hundreds of milliseconds), so these measures are linear and
 * run first. Fragments are measured once each and counted at every use, so a document cannot
 * hide its size in spreads.
 */
export interface DocumentShape {
  /**
   * Deepest field nesting of any operation (`{ me { role } }` is 2). Under `__schema` and
   * `__type`, `ofType` adds no level: the standard introspection query follows a type's wrappers
   * (list, non-null) nine `ofType`s deep, a chain of single objects that ends at the first named
   * type, so it grows nothing but the text, which the field and token limits bound.
   */
  depth: number;
  /** Most aliased fields in one operation. */
  aliases: number;
  /** Most field selections in one operation, or in the whole text if that is more. */
  fields: number;
}

export interface ShapeLimits {
  maxDepth: number;
  maxAliases: number;
  maxFields: number;
}

/** A refusal of the document's shape: code QUERY_TOO_DEEP, TOO_MANY_ALIASES or TOO_MANY_FIELDS, the measure and the limit. */
export interface ShapeRefusal {
  message: string;
  extensions: { code: string; limit: number } & Record<string, number | string>;
}

interface Counts {
  depth: number;
  aliases: number;
  fields: number;
}
const NONE: Counts = { depth: 0, aliases: 0, fields: 0 };

export function documentShape(document: DocumentNode): DocumentShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Counts>();
  const active = new Set<string>();

  const ofFragment = (name: string, meta: boolean): Counts => {
    const key = `${meta ? 'm' : 'd'}:${name}`;
    const known = memo.get(key);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown fragments and cycles are validation errors of their own; they count nothing here.
    if (!fragment || active.has(name)) return NONE;
    active.add(name);
    const counts = ofSelections(fragment.selectionSet, meta);
    active.delete(name);
    memo.set(key, counts);
    return counts;
  };

  // `meta`: inside `__schema` or `__type`, where `ofType` adds no depth.
  const ofSelections = (set: SelectionSetNode, meta: boolean): Counts => {
    const total = { depth: 0, aliases: 0, fields: 0 };
    for (const s of set.selections) {
      let part: Counts;
      if (s.kind === Kind.FIELD) {
        const name = s.name.value;
        const innerMeta = meta || name === '__schema' || name === '__type';
        const inner = s.selectionSet ? ofSelections(s.selectionSet, innerMeta) : NONE;
        const level = meta && name === 'ofType' ? 0 : 1;
        part = { depth: level + inner.depth, aliases: (s.alias ? 1 : 0) + inner.aliases, fields: 1 + inner.fields };
      } else {
        part = s.kind === Kind.INLINE_FRAGMENT ? ofSelections(s.selectionSet, meta) : ofFragment(s.name.value, meta);
      }
      total.depth = Math.max(total.depth, part.depth);
      total.aliases += part.aliases;
      total.fields += part.fields;
    }
    return total;
  };

  let textFields = 0;
  visit(document, {
    Field: () => {
      textFields += 1;
    },
  });
  const shape: DocumentShape = { depth: 0, aliases: 0, fields: textFields };
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const counts = ofSelections(d.selectionSet, false);
    shape.depth = Math.max(shape.depth, counts.depth);
    shape.aliases = Math.max(shape.aliases, counts.aliases);
    shape.fields = Math.max(shape.fields, counts.fields);
  }
  return shape;
}

/** The first limit the document breaks, as the error to answer with; null when it fits. */
export function shapeRefusal(document: DocumentNode, limits: ShapeLimits): ShapeRefusal | null {
  const { depth, aliases, fields } = documentShape(document);
  if (depth > limits.maxDepth) {
    return {
      message: `The operation is ${depth} levels deep; at most ${limits.maxDepth} are allowed`,
      extensions: { code: 'QUERY_TOO_DEEP', depth, limit: limits.maxDepth },
    };
  }
  if (aliases > limits.maxAliases) {
    return {
      message: `The operation uses ${aliases} aliases; at most ${limits.maxAliases} are allowed`,
      extensions: { code: 'TOO_MANY_ALIASES', aliases, limit: limits.maxAliases },
    };
  }
  if (fields > limits.maxFields) {
    return {
      message: `The operation selects ${fields} fields; at most ${limits.maxFields} are allowed`,
      extensions: { code: 'TOO_MANY_FIELDS', fields, limit: limits.maxFields },
    };
  }
  return null;
}

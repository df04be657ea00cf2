import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * Introspection priced as what it is: the schema, served from memory, the same answer for every
 * caller. An operation that selects only `__schema`, `__type` and `__typename` at its root costs
 * INTROSPECTION_COST per `__schema` or `__type` (aliased copies pay each), whatever options the
 * client's introspection query uses (descriptions,
 * specifiedByUrl, directiveIsRepeatable, schemaDescription, inputValueDeprecation, oneOf), so
 * graphql-codegen, GraphiQL, Postman and Insomnia load the schema within the default limits and
 * for a small share of the rate budget (docs/decisions.md, issue 16).
 *
 * What keeps the answer linear in the size of the schema is one rule: a type reached through a
 * type reference (`__Field.type`, `__InputValue.type`, `__Type.ofType`, `__Type.interfaces`,
 * `__Type.possibleTypes`) may select only scalars and `ofType`, never the lists of a type
 * (`fields`, `inputFields`, `enumValues`, `interfaces`, `possibleTypes`). That is exactly the
 * `TypeRef` fragment every standard introspection query uses; without the rule,
 * `types { fields { type { fields { type { fields ... } } } } }` multiplies the schema by itself
 * at every level. An introspection operation that breaks it is QUERY_TOO_COMPLEX.
 */
export const INTROSPECTION_COST = 100;

const META_ROOTS = new Set(['__schema', '__type', '__typename']);
/** Fields whose value is a type reference. */
const REFERENCES = new Set(['type', 'ofType', 'interfaces', 'possibleTypes']);
/** Fields of `__Type` that list parts of the type: allowed only on a type reached by name or from `__schema`. */
const TYPE_LISTS = new Set(['fields', 'inputFields', 'enumValues', 'interfaces', 'possibleTypes']);
/** How many selections the walk visits at most (fragments are walked at every use). */
const MAX_NODES = 10_000;

/**
 * How many `__schema` and `__type` selections the operation has at its root (aliases and fragments
 * counted at every use) when every root selection is one of them or `__typename`; 0 when it
 * selects anything else, or is not a query.
 */
export function introspectionRoots(document: DocumentNode, operation: OperationDefinitionNode): number {
  if (operation.operation !== 'query') return 0;
  const fragments = fragmentsOf(document);
  const roots: string[] = [];
  const collect = (set: SelectionSetNode, seen: Set<string>) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) roots.push(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) collect(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) {
        const fragment = fragments.get(s.name.value);
        if (fragment) collect(fragment.selectionSet, new Set([...seen, s.name.value]));
      }
    }
  };
  collect(operation.selectionSet, new Set());
  return roots.every((name) => META_ROOTS.has(name)) ? roots.filter((name) => name !== '__typename').length : 0;
}

/**
 * The refusal of an introspection operation that selects a type's lists under a type reference,
 * or null when it keeps to the rule. Only called for introspection-only operations.
 */
export function introspectionRefusal(document: DocumentNode, operation: OperationDefinitionNode, maxCost: number): GraphQLError | null {
  const fragments = fragmentsOf(document);
  let nodes = 0;
  // `underReference`: the selection set belongs to a type reached through a type reference.
  const breaks = (set: SelectionSetNode, underReference: boolean, seen: ReadonlySet<string>): boolean => {
    for (const s of set.selections) {
      if ((nodes += 1) > MAX_NODES) return true;
      if (s.kind === Kind.INLINE_FRAGMENT) {
        if (breaks(s.selectionSet, underReference, seen)) return true;
      } else if (s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(s.name.value);
        if (fragment && !seen.has(s.name.value) && breaks(fragment.selectionSet, underReference, new Set([...seen, s.name.value]))) return true;
      } else if (s.selectionSet) {
        const name = s.name.value;
        if (underReference && TYPE_LISTS.has(name)) return true;
        if (breaks(s.selectionSet, REFERENCES.has(name), seen)) return true;
      }
    }
    return false;
  };
  if (!breaks(operation.selectionSet, false, new Set())) return null;
  return new GraphQLError(
    'Introspection may select only kind, name and ofType of a type reached through a type reference (the TypeRef fragment of the standard introspection query), not its fields or other lists',
    { extensions: { code: 'QUERY_TOO_COMPLEX', cost: null, limit: maxCost, http: { status: 400 } } },
  );
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/**
 * The README's example operations as GraphiQL tabs: every ```graphql block, split into its
 * operations, with the ```json block that follows it (if any) as the variables. Anonymous
 * operations are named after their first field (`mutation CreateOrganization { … }`), so every
 * tab has a title.
 */
import { Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';

export interface ExampleTab {
  query: string;
  variables?: string;
}

function named(text: string, operation: OperationDefinitionNode): string {
  if (operation.name) return text;
  const first = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  const name = first ? first.name.value.charAt(0).toUpperCase() + first.name.value.slice(1) : 'Example';
  return /^\s*\{/.test(text) ? text.replace(/^\s*\{/, `query ${name} {`) : text.replace(/^\s*(query|mutation|subscription)\b/, `$1 ${name}`);
}

export function examplesFrom(markdown: string): ExampleTab[] {
  const blocks = [...markdown.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
  const tabs: ExampleTab[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== 'graphql') return;
    const next = blocks[i + 1];
    const variables = next?.lang === 'json' && /^\s*\{\s*"input"/.test(next.text) ? next.text.trim() : undefined;
    let document: DocumentNode;
    try {
      document = parse(block.text);
    } catch {
      tabs.push({ query: block.text.trim() });
      return;
    }
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    for (const operation of operations) {
      // One operation: the whole block, comments included; several: each one's own text.
      const text = operations.length === 1 ? block.text.trim() : block.text.slice(operation.loc!.start, operation.loc!.end);
      tabs.push({ query: named(text, operation), ...(variables ? { variables } : {}) });
    }
  });
  return tabs;
}

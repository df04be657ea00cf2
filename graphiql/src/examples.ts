/**
 * The README's example operations as GraphiQL tabs: every ```graphql block, split into its
 * operations, with the ```json block that follows it (if any) as the variables.
 */
import { parse, print, type DefinitionNode } from 'graphql';

export interface ExampleTab {
  query: string;
  variables?: string;
}

export function examplesFrom(markdown: string): ExampleTab[] {
  const blocks = [...markdown.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
  const tabs: ExampleTab[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== 'graphql') return;
    const next = blocks[i + 1];
    const variables = next?.lang === 'json' && /^\s*\{\s*"input"/.test(next.text) ? next.text.trim() : undefined;
    let definitions: readonly DefinitionNode[];
    try {
      definitions = parse(block.text).definitions;
    } catch {
      tabs.push({ query: block.text.trim() });
      return;
    }
    // A block with several operations becomes one tab per operation (GraphiQL runs one at a time anyway).
    for (const definition of definitions)
      tabs.push({ query: definitions.length === 1 ? block.text.trim() : print(definition), ...(variables ? { variables } : {}) });
  });
  return tabs;
}

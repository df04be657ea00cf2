import { GraphQLError } from 'graphql';
import { Max, Min } from 'class-validator';
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { isUuid } from '../../domain/shared/ids.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, type PageRequest } from '../../domain/shared/page.js';

@ObjectType({ description: 'Where a page of a list starts and ends, and whether items come before or after it. Pages go forward: `first` and `after`.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when another page follows this one.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, {
    description: 'True when this page was asked for `after` a cursor, so items come before it (at least the one the cursor names); false for the first page.',
  })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item; null for an empty page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item; pass it as `after` to get the next page.' })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, 1 to ${MAX_PAGE_SIZE}.` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first: number = DEFAULT_PAGE_SIZE;

  @Field(() => String, { nullable: true, description: 'Cursor after which the page starts (the previous page’s endCursor).' })
  after?: string | null;
}

const encodeCursor = (id: string) => Buffer.from(`v1:${id}`).toString('base64url');

/** Decodes a cursor; a malformed one is BAD_USER_INPUT naming `after`. */
export function pageRequest(args: PageArgs): PageRequest {
  if (args.after == null) return { first: args.first, after: null };
  const decoded = Buffer.from(args.after, 'base64url').toString();
  const id = decoded.startsWith('v1:') ? decoded.slice(3) : '';
  if (!isUuid(id)) throw new GraphQLError('Invalid cursor', { extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
  return { first: args.first, after: id };
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
}

/** A Relay-style connection type for `node`, named `<name>Connection`. */
export function Connection<T extends object>(node: ClassType<T>, name: string, what: string) {
  @ObjectType(`${name}Edge`, { description: `One ${what} in a page, with its cursor.` })
  class Edge {
    @Field(() => String, { description: 'Opaque cursor of this item.' })
    cursor!: string;

    @Field(() => node, { description: `The ${what}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what}s.` })
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge], { description: 'Items with their cursors.' })
    edges!: Edge[];

    @Field(() => [node], { description: 'Items without cursors, for convenience.' })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Where the page starts and ends, and how to fetch the next one.' })
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/**
 * Maps a domain page to a connection, converting each item with `map`; `args` are the page's
 * arguments (a page asked for after a cursor has items before it). Cursors encode `idOf(item)`,
 * the key the domain's keyset pages on (default: the item's id).
 */
export function toConnection<S, T>(
  page: Page<S>,
  map: (item: S) => T,
  args: { after?: string | null },
  ...[idOf]: S extends { id: string } ? [idOf?: (item: S) => string] : [idOf: (item: S) => string]
): ConnectionShape<T> {
  const id = idOf ?? ((item: S) => (item as { id: string }).id);
  const edges = page.items.map((item) => ({ cursor: encodeCursor(id(item)), node: map(item) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

import { useState, type ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { ErrorState } from './states';

/** A page of a connection as the console's queries select it. */
export interface RowsPage<N> {
  nodes: readonly N[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** Fetches the page after a cursor: a urql `useQuery` on the screen's own document with `after`. */
export type UsePage<N> = (after: string) => { page: RowsPage<N> | null; fetching: boolean; error?: CombinedError | undefined };

/**
 * A table's rows a page at a time: the first page (from the screen's query), then one `<tbody>`
 * per page fetched with "Load more", which the last page shows while the list has more. Remount
 * (a `key`) when the screen's filters change, to start again from the first page.
 */
export function PagedRows<N>({
  first,
  usePage,
  row,
  colSpan,
  what,
}: {
  first: RowsPage<N>;
  usePage: UsePage<N>;
  row: (node: N) => ReactNode;
  colSpan: number;
  what: string;
}) {
  const [cursors, setCursors] = useState<string[]>([]);
  const more = (cursor: string) => setCursors((c) => (c.includes(cursor) ? c : [...c, cursor]));
  return (
    <>
      <tbody>
        {first.nodes.map(row)}
        {cursors.length === 0 && <MoreRow page={first} colSpan={colSpan} what={what} onMore={more} />}
      </tbody>
      {cursors.map((after, n) => (
        <NextPage key={after} after={after} last={n === cursors.length - 1} usePage={usePage} row={row} colSpan={colSpan} what={what} onMore={more} />
      ))}
    </>
  );
}

function NextPage<N>(props: {
  after: string;
  last: boolean;
  usePage: UsePage<N>;
  row: (node: N) => ReactNode;
  colSpan: number;
  what: string;
  onMore: (cursor: string) => void;
}) {
  const { page, fetching, error } = props.usePage(props.after);
  return (
    <tbody>
      {page?.nodes.map(props.row)}
      {!page && (
        <tr>
          <td colSpan={props.colSpan}>{error ? <ErrorState error={error} /> : fetching ? `Loading more ${props.what}…` : null}</td>
        </tr>
      )}
      {props.last && page && <MoreRow page={page} colSpan={props.colSpan} what={props.what} onMore={props.onMore} />}
    </tbody>
  );
}

function MoreRow<N>({ page, colSpan, what, onMore }: { page: RowsPage<N>; colSpan: number; what: string; onMore: (cursor: string) => void }) {
  const cursor = page.pageInfo.endCursor;
  if (!page.pageInfo.hasNextPage || !cursor) return null;
  return (
    <tr className="more">
      <td colSpan={colSpan}>
        <button type="button" className="secondary" onClick={() => onMore(cursor)}>
          Load more {what}
        </button>
      </td>
    </tr>
  );
}

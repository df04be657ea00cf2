/** A status as a labelled badge (text, not colour alone). */
export function Status({ value }: { value: string }) {
  return <span className={`status status-${value.toLowerCase()}`}>{value.replace(/_/g, ' ').toLowerCase()}</span>;
}

/** A page heading with optional actions, laid out for narrow screens too. */
export function PageHeader({ title, children, sub }: { title: string; sub?: React.ReactNode; children?: React.ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {sub && <p className="sub">{sub}</p>}
      </div>
      {children && <div className="actions">{children}</div>}
    </div>
  );
}

/** "Load more" for cursor-paginated lists. */
export function MoreButton({ hasNextPage, onMore, fetching }: { hasNextPage: boolean; onMore: () => void; fetching?: boolean }) {
  if (!hasNextPage) return null;
  return (
    <button type="button" className="secondary" onClick={onMore} disabled={fetching}>
      {fetching ? 'Loading…' : 'Load more'}
    </button>
  );
}

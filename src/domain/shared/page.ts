/** Keyset pagination over time-ordered (UUIDv7) ids: stable under inserts, no OFFSET scans. */
export interface PageRequest {
  first: number;
  /** Id of the last item of the previous page. */
  after: string | null;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Takes `first + 1` rows and turns them into a page. */
export function toPage<T>(rows: T[], first: number): Page<T> {
  return { items: rows.slice(0, first), hasNextPage: rows.length > first };
}

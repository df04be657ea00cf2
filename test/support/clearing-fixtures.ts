import { eventually, type Harness } from './harness.js';
import type { Market } from './builders.js';
import { gql, ok } from './client.js';
import * as op from './operations.js';

/** The spike's clearing result once the worker has written it (read as the brand). */
export const clearedResult = (h: Harness, m: Market, spikeId: string) =>
  eventually(async () => op.flatPages(ok(await gql(h.url, op.CLEARING_RESULT, { id: spikeId }, m.brand.key)).clearingResult));

/** Rows in a table, read directly. */
export const tableCount = async (h: Harness, table: string) =>
  Number((await h.orm.em.getConnection().execute(`select count(*)::int as n from ${table}`))[0]!.n);

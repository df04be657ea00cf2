import type { Market } from './builders.js';
import { gql, type GqlResponse } from './client.js';
import type { Harness } from './harness.js';
import { all, type Actor, type Outcome } from './authorization-world.js';
import { ADVANCE_CLOCK, aSandbox, CREATE_SANDBOX, DELETE_SANDBOX, TEST_CLOCK, type SandboxWorld } from './sandbox.js';

/**
 * The authorisation matrix's rows for sandboxes (issue 16): any live BRAND, VENDOR or OPERATOR key
 * creates one; only its own keys advance its clock (live keys, its creator's included, get
 * NOT_FOUND; test/sandbox-cycle.test.ts proves its own keys may); its creator's organisation reads
 * its clock; its creator deletes it.
 */
export function sandboxRows(world: () => { h: Harness; m: Market }) {
  let n = 0;
  let sandbox: SandboxWorld | null = null;
  const brandSandbox = async () => (sandbox ??= await aSandbox(world().h.url, world().m.brand.key, 'Matrix'));
  const rows: Record<string, { run: (key: string | undefined) => Promise<GqlResponse>; expected: Record<Actor, Outcome> }> = {
    createSandbox: {
      run: async (k) => {
        const r = await gql(world().h.url, CREATE_SANDBOX, { input: { name: `Matrix ${++n}` } }, k);
        const id = (r.data?.createSandbox as { sandbox?: { id: string } } | undefined)?.sandbox?.id;
        if (id) await gql(world().h.url, DELETE_SANDBOX, { id }, k); // frees the creator's place (at most 5 each)
        return r;
      },
      expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK', otherBrand: 'OK', vendor: 'OK', otherVendor: 'OK' }),
    },
    advanceTestClock: {
      run: async (k) => {
        const s = await brandSandbox();
        return gql(world().h.url, ADVANCE_CLOCK, { id: s.id, to: new Date(s.clock.now().getTime() + 3_600_000).toISOString() }, k);
      },
      expected: all('NOT_FOUND'),
    },
    testClock: {
      run: async (k) => gql(world().h.url, TEST_CLOCK, { id: (await brandSandbox()).id }, k),
      expected: all('NOT_FOUND', { brand: 'OK', brandFinance: 'OK' }),
    },
    deleteSandbox: {
      run: async (k) => {
        const doomed = await aSandbox(world().h.url, world().m.brand.key, `Doomed ${++n}`);
        const r = await gql(world().h.url, DELETE_SANDBOX, { id: doomed.id }, k);
        if (r.errors?.length) await gql(world().h.url, DELETE_SANDBOX, { id: doomed.id }, world().m.brand.key);
        return r;
      },
      expected: all('NOT_FOUND', { brand: 'OK' }),
    },
  };
  return rows;
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../access/principal.js';
import { AccessError } from '../shared/result.js';
import { createFanOut } from './fan-out.js';

/** An EntityManager that answers the key query from a set of active ids and counts its queries. */
function fakeDatabase(active: Set<string>) {
  const queries: string[][] = [];
  const em = {
    execute: async (_sql: string, [ids]: [string]) => {
      const asked = ids
        .slice(1, -1)
        .split(',')
        .map((id) => id.replace(/"/g, ''));
      queries.push(asked);
      return asked.filter((id) => active.has(id)).map((id) => ({ id }));
    },
  } as unknown as EntityManager;
  return { em, queries };
}

const vendor = (apiKeyId: string, organizationId = 'org-a'): Principal => ({
  apiKeyId,
  organizationId,
  organizationKind: 'VENDOR',
  role: 'VENDOR',
  vendorType: 'OUTSOURCER',
  parentBrandId: null,
});

describe('fan-out of one event', () => {
  it('checks the keys asked for together in one read, and each key once per event', async () => {
    const { em, queries } = fakeDatabase(new Set(['k1', 'k3']));
    const fanOut = createFanOut({ fork: () => em });
    const answers = await Promise.all(['k1', 'k2', 'k3', 'k1'].map((k) => fanOut.keyIsActive('e1', k)));
    expect(answers).toEqual([true, false, true, true]);
    expect(queries).toEqual([['k1', 'k2', 'k3']]);
    expect(await fanOut.keyIsActive('e1', 'k2')).toBe(false);
    expect(queries).toHaveLength(1);
    // A new event reads again: a key revoked since is seen at once.
    await fanOut.keyIsActive('e2', 'k1');
    expect(queries).toHaveLength(2);
  });

  it('loads once per visibility class: principals differing only in their key share, other organisations do not', async () => {
    const { em } = fakeDatabase(new Set());
    let loads = 0;
    const fanOut = createFanOut({ fork: () => em });
    const load = async () => {
      loads += 1;
      return { id: 'spike' };
    };
    const seen = await Promise.all([vendor('k1'), vendor('k2'), vendor('k3'), vendor('k4', 'org-b')].map((p) => fanOut.resource('e1', p, load)));
    expect(seen).toEqual([{ id: 'spike' }, { id: 'spike' }, { id: 'spike' }, { id: 'spike' }]);
    expect(loads).toBe(2);
    expect(await fanOut.resource('e1', { ...vendor('k5'), role: 'FINANCE' }, load)).toEqual({ id: 'spike' });
    expect(loads).toBe(3);
  });

  it('treats an AccessError as not visible, and shares a failure instead of retrying it per subscriber', async () => {
    const { em } = fakeDatabase(new Set());
    const fanOut = createFanOut({ fork: () => em });
    expect(
      await fanOut.resource('e1', vendor('k1'), async () => {
        throw new AccessError('NOT_FOUND', 'gone');
      }),
    ).toBeNull();
    let attempts = 0;
    const failing = async () => {
      attempts += 1;
      throw new Error('database down');
    };
    await expect(fanOut.resource('e2', vendor('k1'), failing)).rejects.toThrow('database down');
    await expect(fanOut.resource('e2', vendor('k2'), failing)).rejects.toThrow('database down');
    expect(attempts).toBe(1);
  });

  it('never runs more reads at once than its concurrency', async () => {
    const { em } = fakeDatabase(new Set());
    const fanOut = createFanOut({ fork: () => em, concurrency: 2 });
    let running = 0;
    let most = 0;
    const load = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      return 1;
    };
    await Promise.all(Array.from({ length: 10 }, (_, i) => fanOut.resource(`e${i}`, vendor('k1'), load)));
    expect(most).toBe(2);
  });

  it('grants at most perTurn turns per turn of the event loop, in order', async () => {
    const { em } = fakeDatabase(new Set());
    const fanOut = createFanOut({ fork: () => em, perTurn: 3 });
    const order: [number, number][] = [];
    // Counts turns of the event loop: one increment per check phase.
    let tick = 0;
    let counting = true;
    const count = () => {
      tick += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    await Promise.all(Array.from({ length: 8 }, (_, i) => fanOut.turn().then(() => order.push([i, tick]))));
    counting = false;
    expect(order.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const perTick = new Map<number, number>();
    for (const [, t] of order) perTick.set(t, (perTick.get(t) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(3);
    expect(perTick.size).toBeGreaterThanOrEqual(3);
  });
});

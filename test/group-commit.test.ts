import { describe, expect, it } from 'vitest';
import type { SettleOutcome, SettleRequest } from '../src/domain/settlement/settle-contract.js';
import { GroupCommit } from '../workers/settlement.processor.js';

const settled = (r: SettleRequest): SettleOutcome => ({ kind: 'SETTLED', contractId: r.contractId, sequence: 1, invoiceId: `inv-${r.contractId}` });
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('group commit of settlement jobs', () => {
  it('settles a lone job at once, and batches the jobs that arrive while transactions are in flight', async () => {
    const batches: string[][] = [];
    const gates: (() => void)[] = [];
    const wait = () =>
      new Promise<void>((r) => {
        gates.push(r);
      });
    const commits = new GroupCommit(
      async (requests) => {
        batches.push(requests.map((r) => r.contractId));
        await wait();
        return requests.map(settled);
      },
      async (r) => {
        batches.push([r.contractId]);
        await wait();
        return settled(r);
      },
      50,
      1,
    );

    const first = commits.settle({ contractId: 'a', force: false });
    await tick();
    const rest = ['b', 'c', 'd'].map((id) => commits.settle({ contractId: id, force: false }));
    await tick();
    expect(batches).toEqual([['a']]);
    gates.shift()!();
    expect(await first).toMatchObject({ kind: 'SETTLED', contractId: 'a' });
    await tick();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    gates.shift()!();
    expect((await Promise.all(rest)).map((o) => o.contractId)).toEqual(['b', 'c', 'd']);
  });

  it('falls back to one by one when a batch fails, so only the bad contract’s job fails', async () => {
    const singles: string[] = [];
    let hold = true;
    const commits = new GroupCommit(
      async () => {
        throw new Error('batch refused');
      },
      async (r) => {
        while (hold) await tick();
        singles.push(r.contractId);
        if (r.contractId === 'bad') throw new Error('bad contract');
        return settled(r);
      },
      50,
      1,
    );
    const blocker = commits.settle({ contractId: 'first', force: false });
    await tick();
    const results = Promise.allSettled(['ok1', 'bad', 'ok2'].map((id) => commits.settle({ contractId: id, force: false })));
    hold = false;
    await blocker;
    const [ok1, bad, ok2] = await results;
    expect(ok1).toMatchObject({ status: 'fulfilled', value: { contractId: 'ok1' } });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('bad contract') });
    expect(ok2).toMatchObject({ status: 'fulfilled', value: { contractId: 'ok2' } });
    expect(singles.sort()).toEqual(['bad', 'first', 'ok1', 'ok2']);
  });
});

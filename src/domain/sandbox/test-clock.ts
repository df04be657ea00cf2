import type { EntityManager } from '@mikro-orm/postgresql';
import { SandboxSchema, type Sandbox } from '../../persistence/entities/access.js';
import { dueSpikeIds } from '../clearing/due-spikes.js';
import { dueContractIds } from '../settlement/due-contracts.js';
import { authenticated, type Principal } from '../access/principal.js';
import { AccessError } from '../shared/result.js';

export type TestClockStatus = 'ADVANCING' | 'READY';

export interface TestClock {
  sandbox: Sandbox;
  status: TestClockStatus;
}

/**
 * A sandbox's test clock and whether its last advance has finished (PRODUCT.md section 13), for
 * the sandbox's own keys and its creator. READY when nothing is left that fell due on the clock,
 * read from PostgreSQL rather than from the queues: the advance's event has been relayed, no spike
 * is due for clearing, no contract is due for settlement, and the sandbox has been scored at the
 * clock's time. Otherwise ADVANCING.
 */
export async function testClock(em: EntityManager, actor: Principal | null, sandboxId: string, graceMs: number): Promise<TestClock> {
  const sandbox = await visibleSandbox(em, actor, sandboxId);
  const [applied, spikes, contracts] = await Promise.all([
    lastAdvanceApplied(em, sandboxId),
    dueSpikeIds(em, sandbox.clockTime, 1, sandboxId),
    dueContractIds(em, sandbox.clockTime, graceMs, 1, sandboxId),
  ]);
  const ready = applied && spikes.length === 0 && contracts.length === 0;
  return { sandbox, status: ready ? 'READY' : 'ADVANCING' };
}

/**
 * Whether the sandbox's last advance has been applied: its event relayed (its jobs queued) and
 * the sandbox scored at the clock's time. True before any advance.
 */
export async function lastAdvanceApplied(em: EntityManager, sandboxId: string): Promise<boolean> {
  const [row] = await em.execute<{ relayed: boolean; scored: boolean }[]>(
    `select not exists (select 1 from domain_event e where e.type = 'sandbox.clock_advanced' and e.published_at is null
                          and e.payload->>'sandboxId' = ?) as relayed,
            (x.advance_count = 0 or exists (select 1 from scoring_run r where r.sandbox_id = x.id and r.computed_at >= x.clock_time)) as scored
       from sandbox x where x.id = ?`,
    [sandboxId, sandboxId],
  );
  return !!row?.relayed && !!row.scored;
}

/** The sandbox if the caller is one of its keys or its creator's (live) keys; NOT_FOUND otherwise, deleted ones included. */
export async function visibleSandbox(em: EntityManager, actor: Principal | null, sandboxId: string): Promise<Sandbox> {
  const p = authenticated(actor);
  const sandbox = await em.findOne(SandboxSchema, { id: sandboxId, deletedAt: null });
  const mine = sandbox && (p.sandboxId === sandbox.id || (!p.sandboxId && p.organizationId === sandbox.createdByOrganizationId));
  if (!sandbox || !mine) throw new AccessError('NOT_FOUND', `No sandbox ${sandboxId}`);
  return sandbox;
}

/** The undeleted sandboxes, for work that visits every world (the periodic rescore). */
export async function activeSandboxIds(em: EntityManager): Promise<string[]> {
  return (await em.find(SandboxSchema, { deletedAt: null }, { fields: ['id'], orderBy: { id: 'asc' } })).map((s) => s.id);
}

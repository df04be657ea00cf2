import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SandboxSchema, type Sandbox } from '../../persistence/entities/access.js';
import { authenticated, type Principal } from '../access/principal.js';
import { recordInternalEvent } from '../events/outbox.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { lastAdvanceApplied } from './test-clock.js';

/** The furthest one advance may move a test clock: a year covers any spike's life, with room for disputes. */
export const MAX_ADVANCE_MS = 366 * 86_400_000;

/**
 * Moves a sandbox's test clock forward to `to` (PRODUCT.md section 13). Only the sandbox's own
 * keys may (any other key: NOT_FOUND, as if it did not exist). Never back: `to` at or before the
 * clock's time is TEST_CLOCK_BACKWARDS, and PostgreSQL refuses a backward move too
 * (`sandbox_clock_forward`). The same transaction records `sandbox.clock_advanced`, whose
 * after-commit work runs the sweeps and a rescore at once, so what fell due runs promptly;
 * `testClock` says when it has (testClockStatus).
 */
export async function advanceTestClock(em: EntityManager, actor: Principal | null, sandboxId: string, to: Date): Promise<Result<Sandbox>> {
  const p = authenticated(actor);
  if (p.sandboxId !== sandboxId) throw new AccessError('NOT_FOUND', `No sandbox ${sandboxId}`);
  if (Number.isNaN(to.getTime())) return fail('VALIDATION', '`to` is not a valid time', 'to');
  return em.transactional(async (tem) => {
    const sandbox = await tem.findOne(SandboxSchema, { id: sandboxId, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!sandbox) throw new AccessError('NOT_FOUND', `No sandbox ${sandboxId}`);
    if (to.getTime() <= sandbox.clockTime.getTime()) {
      return fail<Sandbox>('CLOCK_BACKWARDS', `The test clock is at ${sandbox.clockTime.toISOString()}; it only moves forward`, 'to');
    }
    if (to.getTime() - sandbox.clockTime.getTime() > MAX_ADVANCE_MS) {
      return fail<Sandbox>('VALIDATION', 'One advance moves the clock at most 366 days', 'to');
    }
    // One advance's work at a time per sandbox (as Stripe's test clocks): each advance queues
    // sweeps and a rescore on the queues the live market shares.
    if (!(await lastAdvanceApplied(tem, sandboxId))) {
      return fail<Sandbox>('VALIDATION', 'The previous advance is still being applied: advance again when testClock.status is READY', 'to');
    }
    sandbox.clockTime = to;
    sandbox.advanceCount += 1;
    recordInternalEvent(tem, 'sandbox.clock_advanced', { sandboxId, advance: sandbox.advanceCount, clockTime: to.toISOString() }, to);
    await tem.flush();
    return ok(sandbox);
  });
}

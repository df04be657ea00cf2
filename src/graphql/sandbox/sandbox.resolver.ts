import { Arg, Args, Ctx, Mutation, Query, Resolver, createUnionType } from 'type-graphql';
import { advanceTestClock } from '../../domain/sandbox/advance-test-clock.js';
import { createSandbox } from '../../domain/sandbox/create-sandbox.js';
import { deleteSandbox } from '../../domain/sandbox/delete-sandbox.js';
import { listSandboxes } from '../../domain/sandbox/list-sandboxes.js';
import { testClock } from '../../domain/sandbox/test-clock.js';
import type { Context } from '../context.js';
import { PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';
import { SandboxLimitError, TestClockBackwardsError, ValidationError, toUserError } from '../common/user-errors.js';
import { CreatedSandboxType, CreateSandboxInput, SandboxConnection, SandboxType, TestClockType } from './sandbox.types.js';

const CreateSandboxResult = createUnionType({
  name: 'CreateSandboxResult',
  description: 'The new sandbox with its keys (shown once), or why it was refused.',
  types: () => [CreatedSandboxType, ValidationError, SandboxLimitError] as const,
});

const AdvanceTestClockResult = createUnionType({
  name: 'AdvanceTestClockResult',
  description: 'The clock after the advance (status ADVANCING until the work due has run), or why it was refused.',
  types: () => [TestClockType, TestClockBackwardsError, ValidationError] as const,
});

/** Sandboxes and test clocks (PRODUCT.md section 13; docs/sandboxes.md). */
@Resolver()
export class SandboxResolver {
  @Mutation(() => CreateSandboxResult, {
    description:
      'Creates a sandbox: a brand, its in-house team, three outsourcers and an operator view, each with bx_test_ keys shown once. Live BRAND, VENDOR or OPERATOR keys; at most 5 per organisation.',
  })
  async createSandbox(
    @Ctx() ctx: Context,
    @Arg('input', () => CreateSandboxInput, { nullable: true, description: 'Its name.' }) input: CreateSandboxInput | null,
  ): Promise<typeof CreateSandboxResult> {
    const r = await createSandbox(ctx.em, ctx.clock, ctx.principal, { name: input?.name ?? null });
    return r.ok ? CreatedSandboxType.from(r.value) : toUserError(r.failure);
  }

  @Mutation(() => AdvanceTestClockResult, {
    description:
      'Moves a sandbox’s test clock forward to `to` (never back, at most 366 days at once). Only that sandbox’s keys. What falls due runs at once; poll testClock until READY: a ValidationError on `to` refuses the next advance until then.',
  })
  async advanceTestClock(
    @Ctx() ctx: Context,
    @Arg('sandboxId', () => UuidScalar, { description: 'The sandbox.' }) sandboxId: string,
    @Arg('to', () => Date, { description: 'The new time (ISO 8601), later than the clock’s.' }) to: Date,
  ): Promise<typeof AdvanceTestClockResult> {
    const r = await advanceTestClock(ctx.em, ctx.principal, sandboxId, to);
    if (!r.ok) return toUserError(r.failure);
    return Object.assign(new TestClockType(), { sandboxId, time: r.value.clockTime, status: 'ADVANCING' });
  }

  @Query(() => SandboxConnection, {
    description: 'Your sandboxes, oldest first, deleted ones left out: those your organisation created (live keys), or the one a sandbox key lives in.',
  })
  async sandboxes(@Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs) {
    return toConnection(await listSandboxes(ctx.em, ctx.principal, pageRequest(page)), SandboxType.from, page);
  }

  @Query(() => TestClockType, { description: 'A sandbox’s test clock and whether its last advance has finished. The sandbox’s keys and its creator’s.' })
  async testClock(@Ctx() ctx: Context, @Arg('sandboxId', () => UuidScalar, { description: 'The sandbox.' }) sandboxId: string): Promise<TestClockType> {
    return TestClockType.from(await testClock(ctx.em, ctx.principal, sandboxId, ctx.settlementPolicy.graceMs));
  }

  @Mutation(() => SandboxType, {
    description: 'Deletes a sandbox and revokes all its keys; its data is never reachable again. Its creator’s live keys, or its OPERATOR key.',
  })
  async deleteSandbox(@Ctx() ctx: Context, @Arg('sandboxId', () => UuidScalar, { description: 'The sandbox.' }) sandboxId: string): Promise<SandboxType> {
    return SandboxType.from(await deleteSandbox(ctx.em, ctx.clock, ctx.principal, sandboxId));
  }
}

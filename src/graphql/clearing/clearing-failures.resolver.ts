import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { listClearingFailures } from '../../domain/clearing/clearing-failure-list.js';
import { Connection, PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import type { Context } from '../context.js';
import { ClearingFailureType } from './clearing.types.js';

export const ClearingFailureConnection = Connection(ClearingFailureType, 'ClearingFailure', 'failed clearing');

@Resolver()
export class ClearingFailuresResolver {
  @Query(() => ClearingFailureConnection, {
    description: 'Spikes whose last clearing attempt failed and that have not cleared since, oldest spike first: the operator sees all, a brand its own.',
  })
  async clearingFailures(@Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs) {
    const result = await listClearingFailures(ctx.em, ctx.principal, pageRequest(page));
    return toConnection({ ...result, items: result.items.map((f) => ({ ...f, id: f.spikeId })) }, ClearingFailureType.from, page);
  }
}

import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { accountStatement, statementCsv, statementEntries, StatementTooLongError, MAX_STATEMENT_ENTRIES } from '../../domain/settlement/statement-queries.js';

import type { Context } from '../context.js';
import { MoneyType } from '../common/money.type.js';
import { Connection, PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { AccountStatementType, StatementEntryType } from './settlement.types.js';

export const StatementEntryConnection = Connection(StatementEntryType, 'StatementEntry', 'statement entry');

/**
 * A statement's entries grow with the period: they come a page at a time, read only when asked
 * for. An AccountStatement is reached only through `accountStatement`, which checked the caller.
 */
@Resolver(() => AccountStatementType)
export class StatementFields {
  @FieldResolver(() => StatementEntryConnection, { description: 'Postings in time order (posted at, then entry), each with the running balance after it.' })
  async entries(@Root() statement: AccountStatementType, @Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs) {
    const s = statement.summary;
    const m = (v: bigint) => MoneyType.of(v, s.account.currency);
    return toConnection(
      await statementEntries(ctx.em, s, pageRequest(page)),
      (e) =>
        Object.assign(new StatementEntryType(), {
          entryId: e.entryId,
          transactionId: e.transactionId,
          kind: e.kind,
          description: e.description,
          postedAt: e.postedAt,
          amount: m(e.amountMinor),
          balance: m(e.balanceMinor),
        }),
      page,
      (e) => e.entryId,
    );
  }

  @FieldResolver(() => String, {
    description: `The whole statement as CSV: at most ${MAX_STATEMENT_ENTRIES} entries (BAD_USER_INPUT on \`to\` over that; ask for a shorter period).`,
    deprecationReason:
      'Grows with the period: download GET /exports/statement.csv?accountId=&from=&to= (docs/integrating.md, "CSV downloads") or page `entries`.',
  })
  async csv(@Root() statement: AccountStatementType, @Ctx() ctx: Context): Promise<string> {
    const s = statement.summary;
    try {
      return statementCsv(await accountStatement(ctx.em, ctx.principal, s.account.accountId, s.from, s.to));
    } catch (error) {
      if (error instanceof StatementTooLongError) throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', field: 'to' } });
      throw error;
    }
  }
}

import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { brandAuditsOf } from '../../domain/quality/quality-queries.js';
import type { Context } from '../context.js';
import { Connection, PageArgs, pageOf, pageRequest, toConnection } from '../common/pagination.js';
import { BrandAuditType, ScopeScoreType, ScorecardType } from './quality.types.js';

export const ScopeScoreConnection = Connection(ScopeScoreType, 'ScopeScore', 'scope score');
export const BrandAuditConnection = Connection(BrandAuditType, 'BrandAudit', 'brand audit');

/** A scope cursor names the scope ("skill:<tag>", "channel:<CHANNEL>"), the key scopes are ordered by. */
const isScope = (key: string) => /^(skill|channel):/.test(key) && key.length <= 300;

/**
 * The scorecard's lists that grow with the vendor's history: one scope per skill tag it ever
 * delivered, one audit per brand that audited it. Both are reached only through `vendorScorecard`
 * (one scorecard per request), so each costs at most one query per request.
 */
@Resolver(() => ScorecardType)
export class ScorecardFields {
  @FieldResolver(() => ScopeScoreConnection, { description: 'Scores per skill and channel where data exists, in scope order.' })
  scopes(@Root() card: ScorecardType, @Args(() => PageArgs) page: PageArgs) {
    return toConnection(
      pageOf(card.allScopes, (s) => s.scope, pageRequest(page, isScope)),
      (s) => s,
      page,
      (s) => s.scope,
    );
  }

  @FieldResolver(() => BrandAuditConnection, {
    description: 'Brands’ own audits of the vendor, in brand id order: a BRAND key sees its own, the vendor itself and the operator every brand’s.',
  })
  async brandAudits(@Root() card: ScorecardType, @Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs) {
    const audits = await brandAuditsOf(ctx.em, card.viewer, pageRequest(page));
    return toConnection(
      audits,
      (b) => Object.assign(new BrandAuditType(), b),
      page,
      (b) => b.brandId,
    );
  }
}

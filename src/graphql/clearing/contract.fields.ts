import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { awardedValueMinor } from '../../domain/settlement/awarded-value.js';
import { OrganizationType } from '../access/access.types.js';
import { loadersOf } from '../common/loaders.js';
import { MoneyType } from '../common/money.type.js';
import type { Context } from '../context.js';
import { DemandSpikeType } from '../demand/demand.types.js';
import { AwardType, BidOutcomeType, ContractType } from './clearing.types.js';

/** Names behind ids, so a client asks `contract { spike { title } vendor { name } }` instead of chasing ids. */
@Resolver(() => ContractType)
export class ContractFields {
  @FieldResolver(() => DemandSpikeType, {
    nullable: true,
    description: 'The spike, as `demandSpike(id)` shows it to you; null where your key may not read it (a vendor’s FINANCE keys).',
  })
  async spike(@Root() contract: ContractType, @Ctx() ctx: Context): Promise<DemandSpikeType | null> {
    const spike = await loadersOf(ctx).spike.load(contract.spikeId);
    return spike ? DemandSpikeType.from(spike) : null;
  }

  @FieldResolver(() => OrganizationType, { description: 'The buying brand’s public profile.' })
  async brand(@Root() contract: ContractType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return OrganizationType.from((await loadersOf(ctx).organization.load(contract.brandId))!);
  }

  @FieldResolver(() => OrganizationType, { description: 'The delivering vendor’s public profile.' })
  async vendor(@Root() contract: ContractType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return OrganizationType.from((await loadersOf(ctx).organization.load(contract.vendorId))!);
  }

  @FieldResolver(() => MoneyType, {
    description: 'Awarded seat-hours × rate, rounded half to even once: what the brand pays if every seat is staffed and every service level met.',
  })
  awardedValue(@Root() contract: ContractType): MoneyType {
    const first = contract.seats[0];
    const minutes = first ? (((first.endsAt.getTime() - first.startsAt.getTime()) / 60_000) as 15 | 30 | 60) : 60;
    return MoneyType.of(awardedValueMinor(contract.seats, minutes, contract.rate.amountMinor), contract.rate.currency);
  }
}

@Resolver(() => AwardType)
export class AwardLineFields {
  @FieldResolver(() => OrganizationType, { description: 'The awarded vendor’s public profile.' })
  async vendor(@Root() award: AwardType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return OrganizationType.from((await loadersOf(ctx).organization.load(award.vendorId))!);
  }
}

@Resolver(() => BidOutcomeType)
export class BidOutcomeFields {
  @FieldResolver(() => OrganizationType, { description: 'The bidding vendor’s public profile.' })
  async vendor(@Root() outcome: BidOutcomeType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return OrganizationType.from((await loadersOf(ctx).organization.load(outcome.vendorId))!);
  }
}

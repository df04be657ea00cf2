import { GraphQLError } from 'graphql';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { OrganizationType } from '../access/access.types.js';
import { ContractType } from '../clearing/clearing.types.js';
import { loadersOf } from '../common/loaders.js';
import type { Context } from '../context.js';
import { AccountBalanceType, AccrualType, InvoiceType } from './settlement.types.js';

const organization = async (ctx: Context, id: string) => OrganizationType.from((await loadersOf(ctx).organization.load(id))!);

/** Names and the contract behind an invoice's ids, batched per request. */
@Resolver(() => InvoiceType)
export class InvoiceFields {
  @FieldResolver(() => ContractType, { description: 'The contract invoiced, as `contract(id)` shows it to you.' })
  async contract(@Root() invoice: InvoiceType, @Ctx() ctx: Context): Promise<ContractType> {
    const contract = await loadersOf(ctx).contract.load(invoice.contractId);
    // Whoever reads the invoice is a party to its contract; this only guards the rule.
    if (!contract) throw new GraphQLError(`No contract ${invoice.contractId}`, { extensions: { code: 'NOT_FOUND' } });
    return ContractType.from(contract);
  }

  @FieldResolver(() => OrganizationType, { description: 'The paying brand’s public profile.' })
  brand(@Root() invoice: InvoiceType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return organization(ctx, invoice.brandId);
  }

  @FieldResolver(() => OrganizationType, { description: 'The issuing vendor’s public profile.' })
  vendor(@Root() invoice: InvoiceType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return organization(ctx, invoice.vendorId);
  }
}

@Resolver(() => AccountBalanceType)
export class AccountBalanceFields {
  @FieldResolver(() => OrganizationType, { description: 'The owning organisation’s public profile.' })
  organization(@Root() balance: AccountBalanceType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return organization(ctx, balance.organizationId);
  }
}

@Resolver(() => AccrualType)
export class AccrualFields {
  @FieldResolver(() => OrganizationType, { description: 'The brand’s public profile.' })
  brand(@Root() accrual: AccrualType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return organization(ctx, accrual.brandId);
  }

  @FieldResolver(() => OrganizationType, { description: 'The vendor’s public profile.' })
  vendor(@Root() accrual: AccrualType, @Ctx() ctx: Context): Promise<OrganizationType> {
    return organization(ctx, accrual.vendorId);
  }
}

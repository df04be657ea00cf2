import { IsString, Length, Matches } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { formatDecimal, type Money } from '../../domain/shared/money.js';
import { DecimalScalar, MinorUnitsScalar } from './scalars.js';

@ObjectType('Money', { description: 'An amount of money: integer minor units and an ISO 4217 currency.' })
export class MoneyType {
  @Field(() => MinorUnitsScalar, { description: 'Amount in the currency’s minor units, e.g. "1250" for 12.50 USD.' })
  amountMinor!: bigint;

  @Field(() => String, { description: 'ISO 4217 currency code.' })
  currency!: string;

  @Field(() => DecimalScalar, {
    description: 'Exact decimal amount in major units, with the currency’s number of decimals, e.g. "12.50" (USD) or "1250" (JPY); never rounded.',
  })
  amount!: string;

  static of(amountMinor: bigint, currency: string): MoneyType {
    const m: Money = { amountMinor, currency };
    return Object.assign(new MoneyType(), { amountMinor, currency, amount: formatDecimal(m) });
  }
}

@InputType('MoneyInput', { description: 'An amount of money in integer minor units.' })
export class MoneyInput {
  @Field(() => MinorUnitsScalar, { description: 'Amount in minor units, e.g. "1250" for 12.50 USD.' })
  amountMinor!: bigint;

  @Field(() => String, { description: 'ISO 4217 currency code, upper case.' })
  @IsString()
  @Length(3, 3)
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a three-letter upper-case ISO 4217 code' })
  currency!: string;
}

import { readFile } from 'node:fs/promises';
import { getNamedType, type GraphQLType, isInputObjectType, isInterfaceType, isObjectType, isEnumType, isUnionType, isScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { getSchema, printedSchema } from '../src/graphql/schema.js';

const namedOf = (type: GraphQLType): string => getNamedType(type).name;

describe('schema.graphql', () => {
  it('is exactly what the code emits (run `npm run schema:emit` after changing the API)', async () => {
    const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(await printedSchema());
  });

  it('describes every type, field, argument and enum value, and specifies every custom scalar', async () => {
    const schema = await getSchema();
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (isScalarType(type) && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
      if (isScalarType(type) && !type.specifiedByURL) missing.push(`${type.name} @specifiedBy`);
      if (isUnionType(type) && !type.description) missing.push(type.name);
    }
    expect(missing).toEqual([]);
  });

  it('has no Float for money or a rate: amounts are MinorUnits, fractional rates and costs Decimal strings', async () => {
    const schema = await getSchema();
    const moneyLike = /rate|cost|price|amount|fee|balance|net$|gross|minor/i;
    const floats: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))) continue;
      for (const field of Object.values(type.getFields())) {
        const named = namedOf(field.type);
        if (named === 'Float' && moneyLike.test(field.name)) floats.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : [])
          if (namedOf(arg.type) === 'Float' && moneyLike.test(arg.name)) floats.push(`${type.name}.${field.name}(${arg.name})`);
      }
    }
    expect(floats).toEqual([]);
    // The fields that were Floats before issue 16.
    for (const coordinate of [
      'BidOutcome.adjustedRate',
      'AwardLine.adjustedRate',
      'BidToBeat.ownAdjustedRate',
      'BidToBeat.highestWinningAdjustedRate',
      'ClearedInterval.highestWinningAdjustedRate',
      'ClearingResult.adjustedCost',
    ]) {
      const [type, field] = coordinate.split('.') as [string, string];
      const t = schema.getType(type);
      expect(t && isObjectType(t) ? namedOf(t.getFields()[field]!.type) : null, coordinate).toBe('Decimal');
    }
  });
});

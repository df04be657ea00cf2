/**
 * Rules of our own for graphql-schema-linter (`npm run lint`, .graphql-schema-linterrc), from
 * PRODUCT.md section 11: custom scalars carry @specifiedBy and a description of their format, and
 * money is never a Float. The linter loads every exported function as a rule named by it in
 * kebab case.
 */
const { GraphQLError } = require('graphql');

function error(ruleName, message, nodes) {
  const e = new GraphQLError(message, { nodes });
  e.ruleName = ruleName;
  return e;
}

function CustomScalarsAreSpecified(context) {
  return {
    ScalarTypeDefinition(node) {
      const name = node.name.value;
      if (!node.directives?.some((d) => d.name.value === 'specifiedBy')) {
        context.reportError(error('custom-scalars-are-specified', `The scalar \`${name}\` has no @specifiedBy URL.`, [node]));
      }
      if (!node.description?.value.trim()) {
        context.reportError(error('custom-scalars-are-specified', `The scalar \`${name}\` has no description of its format.`, [node]));
      }
    },
  };
}

/** A field or argument whose name says money or a rate of pay. */
const MONEY = /rate|cost|price|amount|fee|balance|net$|gross|minor/i;

function namedType(typeNode) {
  return typeNode.kind === 'NamedType' ? typeNode.name.value : namedType(typeNode.type);
}

function NoFloatMoney(context) {
  const check = (node) => {
    if (namedType(node.type) === 'Float' && MONEY.test(node.name.value)) {
      context.reportError(
        error('no-float-money', `\`${node.name.value}\` looks like money or a rate and is a Float: use MinorUnits, Money or Decimal.`, [node]),
      );
    }
  };
  return { FieldDefinition: check, InputValueDefinition: check };
}

module.exports = { CustomScalarsAreSpecified, NoFloatMoney };

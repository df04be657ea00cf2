import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the vendor bot, generated from the API's schema with graphql-codegen's client
 * preset: every operation in src/ becomes a TypedDocumentNode, so a field the API renames or
 * removes is a type error in the bot, not a surprise in production. Point `schema` at your
 * deployment's URL (with an Authorization header) to load it by introspection instead of the file.
 * The output (src/gql) is generated, not committed.
 */
const config: CodegenConfig = {
  schema: process.env.BURST_SCHEMA ?? 'schema.graphql',
  documents: ['examples/vendor-bot/src/**/*.ts', '!examples/vendor-bot/src/gql/**'],
  generates: {
    'examples/vendor-bot/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        emitLegacyCommonJSImports: false,
        scalars: { UUID: 'string', DateTimeISO: 'string', MinorUnits: 'string' },
      },
    },
  },
};

export default config;

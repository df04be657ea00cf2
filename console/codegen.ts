import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the console from the committed schema.graphql: a change to the API's schema
 * that breaks a screen is a type error in `npm run typecheck`, not a blank page. The output
 * (console/src/gql) is generated, not committed: typecheck, build and dev generate it first.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['console/src/**/*.{ts,tsx}', '!console/src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    'console/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        skipTypename: false,
        scalars: { UUID: 'string', DateTimeISO: 'string', MinorUnits: 'string', Decimal: 'string' },
      },
    },
  },
};

export default config;

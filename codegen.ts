/**
 * GraphQL Code Generator: the printed subgraph SDL (`schema/schema.graphql`) and typed
 * documents for the operations the tests use. Reads the built schema (`npm run codegen`
 * builds first): codegen cannot load the TypeScript schema module natively on Node 20.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSubgraphSDL } from './dist/schema/index.js';

const sdl = printSubgraphSDL();

const config: CodegenConfig = {
  schema: sdl,
  documents: ['test/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'schema/schema.graphql': {
      plugins: [{ add: { content: sdl } }],
    },
    'test/generated/operations.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: {
          DateTime: 'string',
          JSONObject: 'Record<string, unknown>',
          NonNegativeFloat: 'number',
          NonNegativeInt: 'number',
          PhoneNumber: 'string',
          URL: 'string',
        },
      },
    },
  },
};

export default config;

/**
 * GraphQL Code Generator's configuration, for a given SDL: codegen.ts passes the built schema's,
 * test/unit/schema/codegen.test.ts the source schema's (and compares the output with the committed files).
 * Writes the printed subgraph SDL (`schema/schema.graphql`), typed documents for the
 * operations the tests use, and the examples' typed client (client preset) with its
 * trusted-documents manifest.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { incrementalDeliveryDirectives, talkstackScalars } from './clientScalars.js';

export function codegenConfig(sdl: string): CodegenConfig {
  return {
    schema: [sdl, incrementalDeliveryDirectives],
    ignoreNoDocuments: false,
    generates: {
      'schema/schema.graphql': {
        // Written from the SDL alone: the schema file carries no directive the subgraph does not define.
        documents: [],
        plugins: [{ add: { content: sdl } }],
      },
      'test/generated/operations.ts': {
        documents: ['test/operations/*.graphql'],
        plugins: ['typescript-operations', 'typed-document-node'],
        config: {
          useTypeImports: true,
          enumsAsTypes: true,
          avoidOptionals: { field: true, inputValue: false, object: true },
          scalars: talkstackScalars,
        },
      },
      // What a dashboard developer generates: see README "Using it from a dashboard".
      'examples/generated/': {
        documents: ['examples/operations/*.graphql'],
        preset: 'client',
        presetConfig: {
          // Rows are plain data here; fragment masking would only add unwrapping.
          fragmentMasking: false,
          // The manifest PERSISTED_OPERATIONS_ONLY serves: sha256 of each document's text.
          persistedDocuments: { hashAlgorithm: 'sha256' },
        },
        config: {
          // Documents as strings: no graphql runtime in the browser, and exactly the text hashed.
          documentMode: 'string',
          useTypeImports: true,
          enumsAsTypes: true,
          avoidOptionals: { field: true, inputValue: false, object: true },
          scalars: talkstackScalars,
          // Imports end in .js: the web example loads these files in the browser as ES modules.
          emitLegacyCommonJSImports: false,
        },
      },
    },
  };
}

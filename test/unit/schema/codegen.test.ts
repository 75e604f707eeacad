/**
 * What `npm run codegen` writes is committed: the test documents' types, the examples' typed
 * client and its trusted-documents manifest. Generated here, in memory, from the source
 * schema, and compared with the files; a change to an operation or the schema without a
 * codegen run fails. Also: the scalar mapping consumers copy (docs/clients.md) is the one used here,
 * and it covers every custom scalar of the schema (or clients would get `unknown`).
 */
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { isScalarType, isSpecifiedScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { talkstackScalars } from '../../../schema/clientScalars.js';
import { codegenConfig } from '../../../schema/codegenConfig.js';
import { printSubgraphSDL, schema } from '../../../schema/index.js';

describe('codegen output is committed and current', () => {
  it('every generated file equals what npm run codegen writes now', async () => {
    const outputs = await generate({ ...codegenConfig(printSubgraphSDL()), cwd: process.cwd(), silent: true }, false);
    const files = outputs.map((output: { filename: string }) => output.filename).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'examples/generated/graphql.ts',
        'examples/generated/persisted-documents.json',
        'schema/schema.graphql',
        'test/generated/operations.ts',
      ]),
    );
    for (const output of outputs) {
      const committed = readFileSync(output.filename, 'utf8');
      expect(committed, `${output.filename} is stale: run npm run codegen`).toBe(output.content);
    }
  }, 30_000);

  it('maps every custom scalar of the schema, and docs/clients.md shows the same mapping', () => {
    const custom = Object.values(schema.getTypeMap())
      .filter((type) => isScalarType(type) && !isSpecifiedScalarType(type) && !type.name.startsWith('_') && !type.name.includes('__'))
      .map((type) => type.name)
      .filter((name) => name !== 'FieldSet');
    expect(Object.keys(talkstackScalars).sort()).toEqual(custom.sort());

    const page = readFileSync('docs/clients.md', 'utf8');
    const snippet = /const talkstackScalars = (\{[^}]*\});/.exec(page)?.[1];
    expect(snippet, 'docs/clients.md "Using it from a dashboard" shows the scalar mapping').toBeDefined();
    // The page's object literal, read as data: keys and their TypeScript types.
    const shown = Object.fromEntries([...(snippet ?? '').matchAll(/(\w+): '([^']+)'/g)].map((match) => [match[1], match[2]]));
    expect(shown).toEqual(talkstackScalars);
  });
});

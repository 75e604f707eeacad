/**
 * What `npm run codegen` writes is committed: the test documents' types, the examples' typed
 * client and its trusted-documents manifest. Generated here, in memory, from the source
 * schema, and compared with the files; a change to an operation or the schema without a
 * codegen run fails. Also: the scalar mapping consumers copy (docs/clients.md) is the one used here,
 * and it covers every custom scalar of the schema (or clients would get `unknown`). And, with
 * CHECK_CLIENT_SNIPPETS=1 (codegen and tsc twice, ~10 s): the page's `codegen.ts` and client
 * snippets type-check in a new project, under "moduleResolution" NodeNext and bundler.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { isScalarType, isSpecifiedScalarType } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { clientSnippets, codegenSnippet, readClientsPage } from '../../fixtures/clients/docSnippets.js';
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

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('docs/clients.md: the codegen.ts snippet', () => {
  const page = readClientsPage();
  const config = codegenSnippet(page) ?? '';

  it('names the packages to install and sets what NodeNext needs', () => {
    expect(config).toContain("schema: 'http://localhost:4000/graphql'");
    // Without these two, the generated files fail under NodeNext: TS2835 (imports without .js)
    // and, with verbatimModuleSyntax, TS1484 (a type imported as a value).
    expect(config).toContain('emitLegacyCommonJSImports: false');
    expect(config).toContain('useTypeImports: true');
    const typedClient = page.slice(page.indexOf('**Typed client.**'), page.indexOf('```ts', page.indexOf('**Typed client.**')));
    expect(typedClient).toContain('npm i -D @graphql-codegen/cli @graphql-codegen/client-preset @graphql-typed-document-node/core');
  });

  /**
   * A new project as a user makes it: package.json with "type": "module", the snippet as its
   * codegen.ts (the schema: this repository's schema/schema.graphql), an operation, the page's
   * client snippets and a file using a generated document with the typed fetch; then
   * `graphql-codegen` and `tsc --noEmit` under each resolution, with the strictest usual options.
   */
  describe.skipIf(!process.env.CHECK_CLIENT_SNIPPETS)('type-checks in a new project (CHECK_CLIENT_SNIPPETS=1)', () => {
    let dir = '';
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    };
    const tsc = (tsconfig: string) =>
      run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { cwd: dir, timeout: 60_000 }).then(
        () => '',
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`.trim(),
      );

    it('graphql-codegen writes the client; tsc passes under NodeNext and under bundler', async () => {
      dir = mkdtempSync(join(tmpdir(), 'codegen-snippet-'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      writeFileSync(join(dir, 'codegen.ts'), config.replace("'http://localhost:4000/graphql'", JSON.stringify(join(ROOT, 'schema/schema.graphql'))));
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src/call.graphql'), 'query Call($sid: ID!) {\n  call(sid: $sid) { sid status durationSeconds date recordings { url } }\n}\n');
      const snippets = clientSnippets(page);
      expect(snippets.map((snippet) => snippet.name)).toContain('a-typed-fetch');
      for (const snippet of snippets) writeFileSync(join(dir, `src/${snippet.name}.ts`), snippet.code);
      writeFileSync(
        join(dir, 'src/use.ts'),
        [
          "import { CallDocument, type CallStatus } from './generated/graphql.js';",
          "import { request } from './a-typed-fetch.js';",
          "const { data } = await request(CallDocument, { sid: 'CA05008454022330968052e51f4352ae5a' });",
          'const seconds: number | null | undefined = data?.call?.durationSeconds;',
          'const status: CallStatus | undefined = data?.call?.status;',
          'const date: string | null | undefined = data?.call?.date;',
          'const urls: string[] | undefined = data?.call?.recordings.map((recording) => recording.url);',
          'console.log(seconds, status, date, urls);',
          '',
        ].join('\n'),
      );
      await run(process.execPath, [join(ROOT, 'node_modules/@graphql-codegen/cli/esm/bin.js'), '--config', 'codegen.ts'], { cwd: dir, timeout: 60_000 });
      for (const [name, resolution] of [
        ['nodenext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
        ['bundler', { module: 'ESNext', moduleResolution: 'bundler' }],
      ] as const) {
        writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...compilerOptions, ...resolution }, include: ['src'] }));
      }
      const [nodeNext, bundler] = await Promise.all([tsc('tsconfig.nodenext.json'), tsc('tsconfig.bundler.json')]);
      expect(nodeNext, 'moduleResolution NodeNext').toBe('');
      expect(bundler, 'moduleResolution bundler').toBe('');
    }, 120_000);
  });
});

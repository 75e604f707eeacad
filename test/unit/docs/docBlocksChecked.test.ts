/**
 * The blocks of the docs that no test can run here, checked against what they name instead:
 * every `npm run <script>` of a shell block is a script of package.json, every file a shell
 * block runs (`node`, `npx tsx`) exists, and the `Call` key a page shows is the one
 * schema/schema.graphql serves. The runnable blocks are run elsewhere (test/integration/docs/,
 * test/integration/clients/, the federation and gateway tests); the YAML blocks (Apollo Router
 * and Prometheus configurations) in test/integration/docs/docsConfigs.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOC_PAGES, docBlocks, docPage } from '../../support/docBlocks.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGES = DOC_PAGES;
const SCRIPTS = Object.keys((JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts);

const blocksOf = (langs: readonly string[]) =>
  PAGES.flatMap((page) => docBlocks(docPage(page)).filter((block) => langs.includes(block.lang)).map((block) => ({ page, block })));

describe('the docs blocks no test runs here', () => {
  const shell = blocksOf(['sh', 'bash', 'shell']);

  it('shell blocks name only npm scripts that exist', () => {
    expect(shell.length).toBeGreaterThan(3);
    let named = 0;
    for (const { page, block } of shell) {
      for (const [, script] of block.body.matchAll(/npm run (?:-s )?([\w:-]+)/g)) {
        expect(SCRIPTS, `${page}:${block.line}: npm run ${script}`).toContain(script);
        named++;
      }
    }
    expect(named).toBeGreaterThan(3);
  });

  it('shell blocks run only files that exist (relative to the repository, or to examples/federation for its README)', () => {
    let named = 0;
    for (const { page, block } of shell) {
      const base = page === 'examples/federation/README.md' ? `${ROOT}examples/federation/` : ROOT;
      for (const [, file] of block.body.matchAll(/(?:^|\s)(?:node|npx tsx)\s+([\w./-]+\.(?:ts|js|mjs))/gm)) {
        expect(existsSync(`${base}${file}`) || existsSync(`${ROOT}${file}`), `${page}:${block.line}: ${file}`).toBe(true);
        named++;
      }
    }
    expect(named).toBeGreaterThan(0);
  });

  it('the Call key the federation page shows is the one served', () => {
    const sdl = readFileSync(`${ROOT}schema/schema.graphql`, 'utf8');
    const shown = docBlocks(docPage('docs/federation.md')).find((block) => block.lang === 'graphql' && block.body.includes('type Call @key'));
    const key = /type Call @key\(fields: "([^"]+)"\)/.exec(shown?.body ?? '')?.[1];
    expect(key).toBeDefined();
    expect(sdl).toContain(`@key(fields: "${key as string}")`);
  });
});

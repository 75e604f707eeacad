/**
 * Every fenced block of the docs pages (README.md, docs/**, examples/federation/README.md) has
 * a test that reads it from the page and runs it, or compares a real answer with it: the table
 * below says which. A new block that no rule claims fails here, so it cannot go untested; a
 * rule that claims no block any more fails too, and so does a runner that does not name the
 * page it reads. Where a runner cannot run all of a block, it says so in its header:
 * - README.md `npm install`: `.ci/run`'s clean `npm ci` (with its warning count) is that check;
 * - examples/federation/README.md `npm i -D @graphql-hive/gateway` is not run (about 500
 *   packages) and Hive Gateway's runtime stands in for its `hive-gateway` command;
 * - the codegen snippet of docs/clients.md is compared in `npm test`, and generated and
 *   type-checked in a scratch project by `.ci/run` (CHECK_CLIENT_SNIPPETS=1, about 10 s);
 * - the Apollo Router and Prometheus YAML: what they name is tried against this server, the
 *   tools themselves are not on this machine;
 * - the layout diagrams of docs/architecture.md: their paths are checked (docPaths.test.ts);
 * - the `Call @key` excerpt of docs/federation.md: compared with the served SDL
 *   (docBlocksChecked.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOC_PAGES, type DocBlock, docBlocks, docPage } from '../../support/docBlocks.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const PAGES = DOC_PAGES;

interface Rule {
  page: string;
  /** which blocks of the page: its language, and something its text starts with or holds */
  lang: string;
  holds?: string | RegExp;
  /** the test that runs them */
  by: string;
}

const rule = (page: string, lang: string, holds: Rule['holds'], by: string): Rule => ({ page, lang, holds, by });
const QUICK_START = 'test/integration/demo/demoMode.test.ts';
const CURLS = 'test/integration/docs/readmeExamples.test.ts';
const QUERIES = 'test/integration/docs/docsQueries.test.ts';
const COMMANDS = 'test/integration/docs/docsCommands.test.ts';
const CONFIGS = 'test/integration/docs/docsConfigs.test.ts';
const CLIENTS = 'test/integration/clients/clientSnippets.test.ts';
const FEDERATION_EXAMPLE = 'test/integration/federation/exampleFederation.test.ts';

const RULES: Rule[] = [
  rule('README.md', 'sh', /^npm install\nnpm start\n$/, QUICK_START),
  rule('README.md', 'sh', /^TALKSTACK_API_KEY=/, 'test/integration/lifecycle/startup.test.ts'),
  // A curl block, and the output shown right below it.
  ...PAGES.map((page) => rule(page, 'sh', /^curl /, page.startsWith('examples/federation/') ? FEDERATION_EXAMPLE : CURLS)),
  ...['README.md', 'docs/security.md', 'docs/queries.md'].flatMap((page) => [rule(page, 'json', 'after curl', CURLS), rule(page, 'text', 'after curl', CURLS)]),

  // The refusal docs/security.md shows below the trusted-documents curl, prose between.
  rule('docs/security.md', 'json', 'No trusted document has this hash.', CURLS),

  rule('examples/federation/README.md', 'graphql', 'type Shift @key', FEDERATION_EXAMPLE),
  rule('examples/federation/README.md', 'sh', /^(npm|npx|cd) /, FEDERATION_EXAMPLE),
  rule('examples/federation/README.md', 'json', '"shifts"', FEDERATION_EXAMPLE),

  rule('docs/architecture.md', '', /./, 'test/unit/docs/docPaths.test.ts'),

  rule('docs/clients.md', 'sh', /^npm start /, QUICK_START),
  rule('docs/clients.md', 'text', /^SID +STATUS/, 'test/integration/examples/dashboard.test.ts'),
  rule('docs/clients.md', 'ts', "import type { CodegenConfig } from '@graphql-codegen/cli';", 'test/unit/schema/codegen.test.ts'),
  rule('docs/clients.md', 'ts', /^import .* from '(@apollo\/client|@urql\/core|graphql-sse|graphql-ws|@graphql-typed-document-node\/core)';/m, CLIENTS),
  rule('docs/clients.md', 'text', /^CA[0-9a-f]{32} COMPLETED/, CLIENTS),
  rule('docs/clients.md', 'ts', "import { defineConfig } from '@graphql-hive/gateway';", 'test/integration/federation/gatewayWebSocket.test.ts'),
  rule('docs/clients.md', 'yaml', 'subscription:', CONFIGS),
  rule('docs/clients.md', 'ts', 'const answer = await graphqlRequest(', 'test/integration/examples/graphqlRequest.test.ts'),

  rule('docs/errors.md', 'graphql', '{ calls(', QUERIES),
  rule('docs/errors.md', 'json', 'after graphql', QUERIES),
  rule('docs/federation.md', 'graphql', 'type Call @key', 'test/unit/docs/docBlocksChecked.test.ts'),
  rule('docs/federation.md', 'graphql', 'type Shift @key', COMMANDS),
  rule('docs/federation.md', 'sh', /^npm run -s compose/, COMMANDS),
  rule('docs/federation.md', 'graphql', '{ shifts(', 'test/integration/federation/gateway.test.ts'),
  rule('docs/federation.md', 'json', 'after graphql', 'test/integration/federation/gateway.test.ts'),
  rule('docs/federation.md', 'json', 'CSRF_HEADER_REQUIRED', 'test/integration/federation/gateway.test.ts'),
  rule('docs/federation.md', 'ts', "import { defineConfig } from '@graphql-hive/gateway';", 'test/integration/federation/gateway.test.ts'),
  rule('docs/federation.md', 'yaml', 'headers:', CONFIGS),
  rule('docs/observability.md', 'yaml', 'scrape_configs:', CONFIGS),
  rule('docs/queries.md', 'graphql', /./, QUERIES),
  rule('docs/queries.md', 'json', 'after graphql', QUERIES),
  rule('docs/rate-limits.md', 'graphql', 'fetchedAt', QUERIES),
  rule('docs/rate-limits.md', 'json', 'after graphql', QUERIES),
  rule('docs/simulator.md', 'bash', '/__admin', COMMANDS),
  rule('docs/subscriptions.md', 'graphql', /^subscription /, QUERIES),
];

/** The block right after a curl or a graphql block (its output), when `holds` says 'after curl' / 'after graphql'. */
const after = (blocks: DocBlock[], block: DocBlock, lang: string) =>
  blocks.some((before) => before.next === block && before.lang === lang && (lang !== 'sh' || before.body.startsWith('curl ')));

function claims(candidate: Rule, page: string, blocks: DocBlock[], block: DocBlock): boolean {
  if (candidate.page !== page || candidate.lang !== block.lang) return false;
  if (candidate.holds === 'after curl') return after(blocks, block, 'sh');
  if (candidate.holds === 'after graphql') return after(blocks, block, 'graphql');
  if (candidate.holds instanceof RegExp) return candidate.holds.test(block.body);
  return candidate.holds === undefined || block.body.startsWith(candidate.holds) || block.body.includes(candidate.holds);
}

const all = PAGES.flatMap((page) => {
  const blocks = docBlocks(docPage(page));
  return blocks.map((block) => ({ page, block, rules: RULES.filter((candidate) => claims(candidate, page, blocks, block)) }));
});

describe('every block of the docs has a test that runs it', () => {
  it('each block is claimed by a rule', () => {
    expect(all.length).toBeGreaterThan(50);
    const unclaimed = all.filter((entry) => entry.rules.length === 0).map(({ page, block }) => `${page}:${block.line} (${block.lang || 'no language'}) ${block.body.split('\n')[0]}`);
    expect(unclaimed, 'blocks no test runs: run them, then add a rule').toEqual([]);
  });

  it('each rule claims a block, and names a test that exists and reads that page', () => {
    for (const candidate of RULES) {
      const where = `${candidate.page} ${candidate.lang} ${String(candidate.holds)}`;
      // The generic curl rules cover pages that may have no curl block.
      if (candidate.by !== CURLS) {
        expect(all.some((entry) => entry.rules.includes(candidate)), `${where}: claims no block`).toBe(true);
      }
      expect(existsSync(`${ROOT}${candidate.by}`), candidate.by).toBe(true);
      // The runner reads the page itself (the generic curl runner reads every page of docs/).
      if (candidate.by !== CURLS) expect(readFileSync(`${ROOT}${candidate.by}`, 'utf8'), `${candidate.by} reads ${candidate.page}`).toContain(candidate.page);
    }
  });
});

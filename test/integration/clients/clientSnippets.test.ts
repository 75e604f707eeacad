/**
 * docs/clients.md "Clients, as pasted": every snippet runs as a user pastes it. Each ```ts block
 * of the section is read from the page itself, written to a scratch folder (an ES module
 * package whose node_modules is this repository's), `localhost:4000` replaced by a test
 * server's address, and run by Node with tsx, one after the other in one process (Node and
 * Apollo Client load once); what each prints must be the ```text block below it, and the
 * process must end by itself (a client left open would keep it running). The urql snippet
 * also runs without its CSRF header (403: the reason it is there) and with
 * `preferGetMethod: false` instead (works). test/unit/schema/codegen.test.ts type-checks them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../support/stack.js';
import { clientSnippets, EXAMPLE_HOST, readClientsPage } from '../../fixtures/clients/docSnippets.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const snippets = clientSnippets(readClientsPage());

/** The snippets' environment: no TALKSTACK_API_KEY of the test's own, so they use the demo key they show. */
const childEnv: NodeJS.ProcessEnv = { ...process.env };
delete childEnv.TALKSTACK_API_KEY;
delete childEnv.NODE_OPTIONS;

/**
 * Runs the files (name → code) in `dir` one after the other in one Node process with tsx (one
 * start-up, not one per snippet): name → what each printed (an exception as `threw: …`).
 * Each snippet awaits its own work; the process exits once every one has closed its clients.
 */
async function runAll(dir: string, files: Record<string, string>): Promise<{ printed: Record<string, string>; stderr: string; ms: number }> {
  for (const [name, code] of Object.entries(files)) writeFileSync(join(dir, `${name}.ts`), code);
  const names = Object.keys(files);
  writeFileSync(
    join(dir, 'run.mjs'),
    `for (const name of ${JSON.stringify(names)}) {
      console.log('@@ ' + name);
      try { await import('./' + name + '.ts'); } catch (error) { console.log('threw: ' + (error instanceof Error ? error.message : String(error))); }
    }\n`,
  );
  const started = performance.now();
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'run.mjs'], { cwd: dir, timeout: 25_000, env: childEnv }));
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; signal?: string; code?: number };
    stdout = failed.stdout ?? '';
    stderr = `exit ${failed.code ?? failed.signal}: ${failed.stderr ?? ''}`;
  }
  const printed = Object.fromEntries(
    stdout
      .split(/^@@ /m)
      .slice(1)
      .map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1).trim()]),
  );
  return { printed, stderr: stderr.trim(), ms: performance.now() - started };
}

describe('docs/clients.md: the client snippets, as pasted', () => {
  let stack: Stack;
  let dir: string;
  let printed: Record<string, string>;
  let stderr: string;
  const urql = snippets.find((snippet) => snippet.name === 'urql');
  const CSRF_LINE = /^\s*'x-graphql-yoga-csrf': '1',\n/m;

  beforeAll(async () => {
    stack = await startStack();
    dir = mkdtempSync(join(tmpdir(), 'client-snippets-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const host = new URL(stack.url).host;
    const files: Record<string, string> = Object.fromEntries(snippets.map((snippet) => [snippet.name, snippet.code.replaceAll(EXAMPLE_HOST, host)]));
    if (urql) {
      const local = urql.code.replaceAll(EXAMPLE_HOST, host);
      files['urql-without-csrf-header'] = local.replace(CSRF_LINE, '');
      files['urql-post'] = local.replace(CSRF_LINE, '').replace('exchanges: [fetchExchange],', 'exchanges: [fetchExchange],\n  preferGetMethod: false,');
    }
    const ran = await runAll(dir, files);
    ({ printed, stderr } = ran);
    console.log(`client snippets: ${Object.keys(files).length} run in ${Math.round(ran.ms)} ms`);
  }, 30_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the section has the six clients, each with its output, each aimed at localhost:4000', () => {
    expect(snippets.map((snippet) => snippet.name)).toEqual(['apollo-client-over-http', 'apollo-client-over-websocket', 'urql', 'graphql-sse', 'graphql-ws', 'a-typed-fetch']);
    for (const snippet of snippets) expect(snippet.code, snippet.title).toContain(EXAMPLE_HOST);
    expect(urql?.code).toMatch(CSRF_LINE);
    expect(urql?.code).toContain('exchanges: [fetchExchange],');
  });

  it('run in one process that ends by itself, with nothing on stderr (no warning, no client left open)', () => {
    expect(stderr).toBe('');
  });

  it.each(snippets.map((snippet) => [snippet.title, snippet] as const))('%s prints what the page shows', (_title, snippet) => {
    expect(printed[snippet.name]).toBe(snippet.expected);
  });

  it("urql without the CSRF header: its GET is refused (403 CSRF_HEADER_REQUIRED); with preferGetMethod: false it POSTs and works", () => {
    expect(printed['urql-without-csrf-header']).toBe('error: [GraphQL] This request could be sent by another site without your consent: add the header `x-graphql-yoga-csrf` (any value), or send JSON (content-type: application/json).');
    expect(printed['urql-post']).toBe(urql?.expected);
  });
});

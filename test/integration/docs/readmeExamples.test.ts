/**
 * The curl examples of README.md and of every page of docs/ work as written in demo mode and
 * print what the page shows: each one runs (with the real curl when installed) against a
 * demo-mode server on a free loopback port, `http://localhost:4000` replaced by that server's
 * URL. An example that shows no output must be the real-Talkstack kind, with `<…>`
 * placeholders, run with the simulator's demo values in their place against a server with no
 * key of its own (as one started against real Talkstack without TALKSTACK_API_KEY). The
 * Trusted documents example (docs/security.md) runs against a trusted-documents server with the hash codegen wrote; the refusal JSON shown further down
 * (separated from that curl by prose) is paired with the curl block before it (docBlocks), and
 * that curl with an unknown hash must print exactly it (with a query text: the same code).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { startDemoServer, type DemoServer } from '../../support/demoServer.js';
import { docBlocks, docPage } from '../../support/docBlocks.js';
import { CURL, curlExamples, fetchLikeCurl, runCurl, shellWords } from '../../support/readmeCurl.js';
import { startStack } from '../../support/stack.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXAMPLE_BASE = 'http://localhost:4000';
const PLACEHOLDER = /<[A-Z_a-z-]+>/;

/** README.md and every Markdown page under docs/, as paths relative to the repository. */
function pages(): string[] {
  const under = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true })
      .flatMap((entry) => (entry.isDirectory() ? under(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : []))
      .sort();
  return ['README.md', ...under('docs')].map((path) => relative(ROOT, join(ROOT, path)));
}

/** Every page's curl examples, each named by where it is (`docs/queries.md:52`). */
const examples = pages().flatMap((page) =>
  curlExamples(readFileSync(join(ROOT, page), 'utf8')).map((example) => ({ ...example, where: `${page}:${example.line}` })),
);
const runnable = examples.filter((example) => example.expected !== undefined);

const output = (command: string, url: string): Promise<string> => runCurl(command.replaceAll(EXAMPLE_BASE, url));

describe('curl examples of the README and docs/', () => {
  let demo: DemoServer;
  beforeAll(async () => {
    if (!CURL) console.warn('readmeExamples: no curl binary found; running the examples through a fetch-based stand-in');
    demo = await startDemoServer();
  });
  afterAll(() => demo.close());

  it('are found, and every one either shows its output or is the real-Talkstack kind with placeholders', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const { where } = example;
      // One command per block, so the output below it is that command's.
      expect(example.command.split(/\n(?!\s)/).filter((line) => /^\s*curl\b/.test(line)), where).toHaveLength(1);
      if (example.expected === undefined) expect(example.command, `${where} shows no output and has no placeholder`).toMatch(PLACEHOLDER);
      else {
        expect(example.command, where).toContain(EXAMPLE_BASE);
        expect(example.command, `${where} has a placeholder but shows output`).not.toMatch(PLACEHOLDER);
      }
    }
  });

  it.each(runnable.map((example) => [example.where, example] as const))(
    '%s prints what the page shows',
    async (_where, example) => {
      const printed = await output(example.command, demo.url);
      expect(printed.trim()).toBe((example.expected ?? '').trim());
    },
  );

  it('the stand-in splits the commands into the words a shell gives curl', async () => {
    const tricky = `curl -s 'a b' -d '{"q":"x \\"y\\""}' \\\n  "c\\"d" e\\ f`;
    for (const command of [tricky, ...examples.map((example) => example.command)]) {
      const { stdout } = await run('/bin/sh', ['-c', `printf '%s\\0' ${command}`]);
      expect(shellWords(command), command).toEqual(stdout.split('\0').slice(0, -1));
    }
  });
});

describe('the real-Talkstack curl examples (with <placeholders>)', () => {
  /** What each placeholder stands for, taken from the simulator's demo account. */
  const VALUES: Record<string, string> = {
    '<YOUR_TALKSTACK_API_KEY>': DEMO_API_KEY,
    '<CALL_SID>': 'CA05008454022330968052e51f4352ae5a',
    '<PROJECT_ID>': DEMO_PROJECT_ID,
  };
  const withPlaceholders = examples.filter((example) => example.expected === undefined && !example.command.includes('"documentId"'));

  it.each(withPlaceholders.map((example) => [example.where, example] as const))(
    '%s, its placeholders filled in, gets the call from a server with no key of its own',
    async (where, example) => {
      // As a server started against real Talkstack with TALKSTACK_API_KEY unset: every client sends its own.
      const server = await startStack({ defaultHeaders: {} });
      try {
        const command = example.command.replaceAll(EXAMPLE_BASE, server.url).replace(/<[A-Z_a-z-]+>/g, (placeholder) => {
          const value = VALUES[placeholder];
          if (value === undefined) throw new Error(`${where}: no value for ${placeholder}`);
          return value;
        });
        const answer = JSON.parse(await output(command, server.url.replace(/\/$/, ''))) as { data?: unknown; errors?: unknown };
        expect(answer.errors, where).toBeUndefined();
        expect(answer.data, where).toBeTruthy();
        expect(JSON.stringify(answer.data), `${where}: every field answered`).not.toContain('null');
      } finally {
        await server.close();
      }
    },
  );
});

describe('Trusted documents (docs/security.md)', () => {
  it("the curl example runs the manifest codegen writes", async () => {
    const example = examples.find((candidate) => candidate.command.includes('"documentId"'));
    expect(example, 'the curl example of Trusted documents').toBeDefined();
    expect(example?.where, 'the Trusted documents example is in docs/security.md').toMatch(/^docs\/security\.md:/);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'examples/generated/persisted-documents.json'), 'utf8')) as Record<string, string>;
    const hash = Object.entries(manifest).find(([, text]) => text.includes('query DashboardPage('))?.[0];
    expect(hash, 'DashboardPage in the generated manifest').toMatch(/^sha256:[0-9a-f]{64}$/);
    // As `PERSISTED_OPERATIONS_ONLY=true npm start` runs it: the demo key is the service credential.
    const demo = await startStack({ config: { persistedOperationsOnly: true, talkstackApiKey: DEMO_API_KEY } });
    try {
      const command = (example?.command ?? '').replaceAll(EXAMPLE_BASE, demo.url).replace('sha256:<DOCUMENT_HASH>', hash ?? '');
      const printed = JSON.parse(await fetchLikeCurl(command)) as { data: { calls: Array<{ sid: string; status: string }> } };
      expect(printed.data.calls).toEqual([expect.objectContaining({ sid: 'CA05008454022330968052e51f4352ae5a', status: 'COMPLETED' })]);

      // "What is refused": the refusal block, paired with the curl block before it on the page.
      const blocks = docBlocks(docPage('docs/security.md'));
      const refusalIndex = blocks.findIndex((block) => block.lang === 'json' && block.body.includes('PERSISTED_QUERY_NOT_FOUND'));
      expect(refusalIndex, 'docs/security.md: the refusal JSON block').toBeGreaterThan(0);
      const curlBlock = blocks
        .slice(0, refusalIndex)
        .reverse()
        .find((block) => block.lang === 'sh' && /^\s*curl\b/m.test(block.body));
      expect(curlBlock, 'docs/security.md: a curl block before the refusal').toBeDefined();
      expect(`docs/security.md:${curlBlock?.line}`).toBe(example?.where);
      const refusal: unknown = JSON.parse(blocks[refusalIndex]?.body ?? '');
      const refused = (curlBlock?.body ?? '').trimEnd().replaceAll(EXAMPLE_BASE, demo.url);
      const unknownHash = refused.replace('sha256:<DOCUMENT_HASH>', `sha256:${'0'.repeat(64)}`);
      const queryText = refused.replace('"documentId":"sha256:<DOCUMENT_HASH>"', '"query":"{ __typename }"');
      expect(queryText, 'the curl sends a documentId').not.toBe(refused);
      // The block is the unknown hash's answer exactly; a query text gets the same one error and
      // code (its message names what to send instead).
      expect(JSON.parse(await fetchLikeCurl(unknownHash)), unknownHash).toEqual(refusal);
      expect(JSON.parse(await fetchLikeCurl(queryText)), queryText).toEqual({
        errors: [{ message: expect.any(String), extensions: (refusal as { errors: Array<{ extensions: unknown }> }).errors[0]?.extensions }],
      });
    } finally {
      await demo.close();
    }
  });
});

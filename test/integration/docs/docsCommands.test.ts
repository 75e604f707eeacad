/**
 * Command blocks of docs/, read from the pages themselves and run:
 * - docs/federation.md's compose command (`npm run -s compose -- …`): its arguments, verbatim,
 *   given to scripts/compose.ts the way compose.test.ts runs it (`node --import tsx`), with
 *   INIT_CWD a temp directory whose `../shifts/schema.graphql` is the page's Shifts SDL block;
 *   the supergraph on stdout must compose `Call` and the Shifts subgraph's `shifts` field;
 * - docs/simulator.md's misbehaviour block: `npm run simulator -- FLAGS` started with those
 *   flags (src/simulator/main.ts under `node --import tsx`, as settings.test.ts does, on a free
 *   port); the banner must name the rate limit; each `curl` line of the block, parsed (method,
 *   path, headers, body), sent to it: 2xx, the answer has the keys the block's comment names,
 *   the flags' rate limit and the switch it sent, and the switch took effect (`POST /call`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForUrl } from '../../../bench/lib/serverProcess.js';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { docBlocks, docPage } from '../../support/docBlocks.js';
import { killAll, spawnNode, waitForExit } from '../../support/serverProcess.js';
import { KEY, QUIET_SIMULATOR_ENV, SID } from '../../support/simulatorHttp.js';

const directory = mkdtempSync(join(tmpdir(), 'docs-commands-'));

afterAll(() => {
  killAll();
  rmSync(directory, { recursive: true, force: true });
});

/** A shell block's commands: continuation lines joined, comments and blank lines dropped. */
const commandsOf = (body: string): string[] =>
  body
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

describe('docs/federation.md compose command', () => {
  const blocks = docBlocks(docPage('docs/federation.md'));
  const command = blocks.find((block) => block.lang === 'sh' && block.body.includes('npm run -s compose --'));
  const shiftsSdl = blocks.find((block) => block.lang === 'graphql' && block.body.includes('type Shift @key'));

  it('composes the Shifts SDL block with this subgraph, as the page says', async () => {
    expect(command, 'docs/federation.md: the `npm run -s compose` block').toBeDefined();
    expect(shiftsSdl, 'docs/federation.md: the Shifts SDL block').toBeDefined();
    const [line, ...others] = commandsOf(command?.body ?? '');
    expect(others, `docs/federation.md:${command?.line}: one command`).toEqual([]);
    const match = /^npm run -s compose -- (.*?)(?:\s*>\s*(\S+))?$/.exec(line ?? '');
    expect(match, `docs/federation.md:${command?.line}: npm run -s compose -- ARGS [> FILE]`).not.toBeNull();
    const args = (match?.[1] ?? '').split(/\s+/);
    // The page's relative path (`../shifts/schema.graphql`) read from INIT_CWD, as npm would.
    const cwd = join(directory, 'gateway');
    mkdirSync(cwd, { recursive: true });
    const sdlPath = /shifts=([^@]+)@/.exec(match?.[1] ?? '')?.[1] ?? '';
    expect(sdlPath).not.toBe('');
    const sdlFile = join(cwd, sdlPath);
    mkdirSync(join(sdlFile, '..'), { recursive: true });
    writeFileSync(sdlFile, shiftsSdl?.body ?? '');

    const running = spawnNode(['--import', 'tsx', 'scripts/compose.ts', ...args], { INIT_CWD: cwd });
    const { code } = await waitForExit(running, 30_000);
    expect(running.stderr()).toBe('');
    expect(code).toBe(0);
    const supergraph = running.stdout();
    expect(supergraph).toMatch(/type Call\b/);
    expect(supergraph).toMatch(/shifts\(first: Int!\): \[Shift!\]!/);
    expect(supergraph).toContain('http://calls:4000/graphql');
    expect(supergraph).toContain('http://shifts:4001/graphql');
    expect(match?.[2]).toBe('supergraph.graphql');
  }, 35_000);
});

interface Curl {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** the `# …` comment after the command */
  comment: string;
}

/** One curl command line: `-X`, `-H`, `-d` and the URL (single-quoted arguments); `-s` ignored. */
function parseCurl(line: string): Curl {
  const hash = line.search(/\s#\s/);
  const command = hash >= 0 ? line.slice(0, hash) : line;
  const comment = hash >= 0 ? line.slice(hash).replace(/^\s*#\s*/, '') : '';
  const words = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((word) => word[1] ?? word[2] ?? '');
  expect(words[0]).toBe('curl');
  const curl: Curl = { method: 'GET', path: '', headers: {}, body: undefined, comment };
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '-X') curl.method = words[++i] ?? '';
    else if (word === '-H') {
      const [name, ...value] = (words[++i] ?? '').split(':');
      curl.headers[(name ?? '').trim().toLowerCase()] = value.join(':').trim();
    } else if (word === '-d' || word === '--data') {
      curl.body = words[++i];
      if (curl.method === 'GET') curl.method = 'POST';
    } else if (word === '-s') continue;
    else if (/^https?:\/\//.test(word)) curl.path = new URL(word).pathname;
    else throw new Error(`curl: unexpected ${word}`);
  }
  return curl;
}

describe('docs/simulator.md misbehaviour block', () => {
  const block = docBlocks(docPage('docs/simulator.md')).find((candidate) => candidate.lang === 'bash' && candidate.body.includes('/__admin'));
  const quiet = QUIET_SIMULATOR_ENV;

  it("starts with the block's flags and its /__admin curl switches the simulator", async () => {
    expect(block, 'docs/simulator.md: the bash block with /__admin').toBeDefined();
    const where = `docs/simulator.md:${block?.line}`;
    const commands = commandsOf(block?.body ?? '');
    const start = commands.find((command) => command.startsWith('npm run simulator'));
    const flags = /^npm run simulator -- (.*)$/.exec(start ?? '')?.[1]?.split(/\s+/);
    expect(flags, `${where}: npm run simulator -- FLAGS`).toBeDefined();
    const rateLimit = Number(/--rate-limit=(\d+)/.exec(start ?? '')?.[1]);
    const burst = Number(/--rate-limit-burst=(\d+)/.exec(start ?? '')?.[1]);
    const curls = commands.filter((command) => command.startsWith('curl ')).map(parseCurl);
    expect(curls.length, `${where}: curl commands`).toBeGreaterThan(0);

    const running = spawnNode(['--import', 'tsx', 'src/simulator/main.ts', ...(flags ?? [])], quiet);
    try {
      const url = await waitForUrl(running, /listening on (http:\/\/127\.0\.0\.1:\d+) /);
      expect(running.stdout()).toContain(`rate limit: ${rateLimit}/s per credential, burst ${burst}`);
      expect(running.stdout()).toContain(`curl -s ${url}/__admin`);
      for (const curl of curls) {
        const response = await fetch(`${url}${curl.path}`, { method: curl.method, headers: curl.headers, body: curl.body });
        expect(response.status, `${where}: ${curl.method} ${curl.path}`).toBeGreaterThanOrEqual(200);
        expect(response.status).toBeLessThan(300);
        const answer = (await response.json()) as Record<string, unknown>;
        // The keys the block's comment names (`{"rateLimit": …, "outage": …, "hang": …}`).
        const keys = [...curl.comment.matchAll(/"(\w+)":/g)].map((key) => key[1]);
        expect(Object.keys(answer).sort()).toEqual([...keys].sort());
        const sent = JSON.parse(curl.body ?? '{}') as Record<string, unknown>;
        expect(answer).toMatchObject(sent);
        expect(answer['rateLimit']).toEqual({ perSecond: rateLimit, burst, headers: false });
      }
      // The switch took effect: the outage the curl asked for answers every POST /call.
      const outage = curls.map((curl) => (JSON.parse(curl.body ?? '{}') as { outage?: unknown }).outage).find((value) => value !== undefined);
      const call = await fetch(`${url}/call`, { method: 'POST', headers: KEY, body: JSON.stringify({ sid: SID, projectId: DEMO_PROJECT_ID }) });
      await call.arrayBuffer();
      expect(call.status).toBe(outage);
    } finally {
      running.child.kill('SIGTERM');
      await waitForExit(running);
    }
  }, 20_000);
});

/**
 * The compiled entry point in demo mode (contract: TALKSTACK_DEMO, Commands), started as the
 * README's quick start says, its block read from the page (test/support/docShell.ts: `npm
 * start` is package.json's start script, on a free loopback port; `npm install` is `.ci/run`'s
 * clean `npm ci`, with its warning count): with no TALKSTACK_* setting it starts the built-in
 * simulator, prints the whole demo banner (sample sids first, how often live calls start, the
 * slow sid last), serves GraphiQL with the four tabs the README names and the API without any
 * header or projectId, and exits 0 on SIGTERM, closing the simulator too. docs/clients.md's
 * "Try them" runs on it: its `npm start` is the README's, then `npm run example:dashboard`
 * (GRAPHQL_URL, its documented option, names the server) prints the demo page's table, and
 * `npm run example:web` (EXAMPLE_WEB_PORT=0) serves the page, which loads ky from /vendor/ky/. (The banner's lines and
 * GraphiQL in demo mode, in process: demoErrorStates.test.ts, graphiqlDocument.test.ts;
 * GraphiQL's assets: integration/graphiql/graphiqlAssets.test.ts; invalid settings:
 * integration/lifecycle/startup.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS, DEMO_SLOW_SID } from '../../../src/simulator/index.js';
import { docBlockAfter, docPage } from '../../support/docBlocks.js';
import { PRINT_TIMEOUT_MS, printed, shellCommands, startShellCommand, type ShellCommand } from '../../support/docShell.js';
import { BANNER_URL, killAll, type Running, START_TIMEOUT_MS, waitFor, waitForExit } from '../../support/serverProcess.js';

const quickStart = shellCommands(docBlockAfter('README.md', '## Quick start', 'sh').body);
const tryThem = shellCommands(docBlockAfter('docs/clients.md', '**Try them**', 'sh').body);

const SAMPLE_LINE = /^\s+(CA[0-9a-f]{32})\s{2}/;

interface Banner {
  baseUrl: string;
  sampleSids: string[];
}

function parseBanner(stdout: string): Banner | undefined {
  const lines = stdout.split('\n');
  const urlMatch = lines.map((line) => BANNER_URL.exec(line)).find((match) => match);
  if (!urlMatch?.[1]) return undefined;
  if (!lines.some((line) => line.startsWith('Demo mode'))) return undefined;
  const sampleSids = lines.flatMap((line) => {
    const sid = SAMPLE_LINE.exec(line)?.[1];
    return sid ? [sid] : [];
  });
  // The banner is written line by line: wait for all the sample lines.
  if (sampleSids.length < DEMO_SAMPLE_SIDS.length) return undefined;
  return { baseUrl: urlMatch[1], sampleSids };
}

/** Waits (bounded) until the whole demo banner is printed; fails with what was printed. */
function waitForDemoBanner(running: Running): Promise<Banner> {
  return waitFor('the demo banner', () => {
    const banner = parseBanner(running.stdout());
    if (banner || !running.hasExited) return banner;
    throw new Error(`server did not print its banner (it exited).\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`);
  });
}

afterAll(killAll);

describe('demo mode (node dist/src/main.js without TALKSTACK_*)', () => {
  let running: Running;
  let banner: Banner;

  beforeAll(async () => {
    expect(quickStart.map((command) => command.text)).toEqual(['npm install', 'npm start']);
    running = startShellCommand(quickStart[1] as ShellCommand);
    banner = await waitForDemoBanner(running);
  }, START_TIMEOUT_MS + 5000);

  it('prints the URL, the demo-mode line, the sample sids, and the whole banner down to the slow sid', async () => {
    expect(running.stdout()).toMatch(/Talkstack calls GraphQL API on http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(running.stdout()).toMatch(/^Demo mode/m);
    expect(banner.sampleSids).toEqual(DEMO_SAMPLE_SIDS.map((sample) => sample.sid));
    // The banner is written line by line: the slow sid comes last.
    await waitFor('the whole banner', () => running.stdout().includes(DEMO_SLOW_SID) || undefined);
    for (const state of DEMO_ERROR_SIDS) expect(running.stdout()).toContain(state.sid);
    expect(running.stdout()).toContain('upstream timeout 1.5 s per try in demo mode');
    expect(running.stdout()).toMatch(/a new one starts every 20 s and takes 32 s to complete/);
  });

  it('serves GraphiQL at /graphql with the four tabs the README names', async () => {
    const page = await fetch(`${banner.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const readme = docPage('README.md');
    for (const tab of ['DashboardPage', 'OneCall', 'WatchCall', 'ErrorStates']) {
      expect(readme).toContain(`\`${tab}\``);
      expect(html).toContain(tab);
    }
  });

  it('docs/clients.md "Try them": npm start, npm run example:dashboard, npm run example:web', async () => {
    expect(tryThem.map((command) => command.words.join(' '))).toEqual(['npm start', 'npm run example:dashboard', 'npm run example:web']);
    expect(tryThem[0]?.words).toEqual(quickStart[1]?.words);
    const env = { GRAPHQL_URL: `${banner.baseUrl}/graphql` };
    const started: Running[] = [];
    try {
      const dashboard = startShellCommand(tryThem[1] as ShellCommand, { env });
      started.push(dashboard);
      const web = startShellCommand(tryThem[2] as ShellCommand, { env: { ...env, EXAMPLE_WEB_PORT: '0' } });
      started.push(web);
      const pageUrl = await printed(web, /Example dashboard on (http:\/\/localhost:\d+\/web\/)/, 'the web dashboard line');
      const loopbackPage = pageUrl.replace('localhost', '127.0.0.1');
      expect(await (await fetch(loopbackPage)).text()).toContain('"ky": "/vendor/ky/index.js"');
      expect((await fetch(new URL('/vendor/ky/index.js', loopbackPage))).status).toBe(200);

      // The table of the demo page, then it follows the live calls (or says none is live).
      await printed(dashboard, /^(SID\s+STATUS\s+FROM\s+TO\s+DATE \(UTC\)\s+TIME\s+COST\s+RECORDINGS)$/m, 'the table header');
      await printed(dashboard, /^(Following \d+ live call\(s\)|No live call on this page)/m, 'the line after the table');
      for (const sample of DEMO_SAMPLE_SIDS.slice(0, 6)) expect(dashboard.stdout()).toContain(`${sample.sid}  COMPLETED`);
    } finally {
      await Promise.all(started.map((child) => child.stop()));
    }
  }, 2 * PRINT_TIMEOUT_MS + 10_000);

  it('answers `calls` for the sample sids with no credential header and no projectId', async () => {
    const response = await fetch(`${banner.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        query: 'query Samples($sids: [ID!]!) { calls(sids: $sids) { sid projectId status upstreamStatus isFinal } }',
        variables: { sids: banner.sampleSids },
      }),
      signal: AbortSignal.timeout(5000),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data?: { calls: Array<{ sid: string; projectId: string } | null> } | null;
      errors?: unknown[];
    };
    expect(body.errors).toBeUndefined();
    const calls = body.data?.calls ?? [];
    expect(calls).toHaveLength(banner.sampleSids.length);
    calls.forEach((call, i) => {
      expect(call, banner.sampleSids[i]).not.toBeNull();
      expect(call?.sid).toBe(banner.sampleSids[i]);
      expect(call?.projectId).toBe('demo-project');
    });
  });

  it('SIGTERM makes the process exit with code 0', async () => {
    running.child.kill('SIGTERM');
    const { code, signal } = await waitForExit(running);
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});

/**
 * The command blocks a newcomer runs first, read from the pages and started as the pages say
 * (test/support/docShell.ts: the script npm would run, no npm in between; ports become free
 * loopback ports, servers bind 127.0.0.1):
 * - README.md "Quick start": `npm install` is not run here (`.ci/run`'s clean `npm ci` is that
 *   check, with its warning count); `npm start` gives the demo banner (sample sids, how often
 *   live calls start) and serves GraphiQL at /graphql with the four tabs the README names;
 * - README.md "Against real Talkstack": `TALKSTACK_API_KEY=your-key TALKSTACK_PROJECT_ID=your-project
 *   npm start`, with TALKSTACK_API_URL pointed at a simulator that knows that key and a call
 *   in that project: a query with no header and no projectId gets the call, and the simulator
 *   saw the page's key and project;
 * - docs/clients.md "Try them": its `npm start` is the README's (the same server serves both);
 *   `npm run example:dashboard` (GRAPHQL_URL, its documented option, names the server) prints
 *   the table of the demo page; `npm run example:web` (EXAMPLE_WEB_PORT=0) serves the page,
 *   which loads ky from the server's own /vendor/ky/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS, startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { docBlocks, docPage } from '../../support/docBlocks.js';
import { shellCommands, startShellCommand, type ShellCommand } from '../../support/docShell.js';
import { BANNER_URL, killAll, type Running, waitFor } from '../../support/serverProcess.js';

const LOOPBACK_SERVER = { PORT: '0', HOST: '127.0.0.1' };

/** The commands of the first shell block of `page` after `marker`. */
function commandsAfter(page: string, marker: string): ShellCommand[] {
  const markdown = docPage(page);
  const from = markdown.slice(0, markdown.indexOf(marker)).split('\n').length;
  expect(markdown.indexOf(marker), `${page}: "${marker}"`).toBeGreaterThanOrEqual(0);
  const block = docBlocks(markdown).find((candidate) => candidate.lang === 'sh' && candidate.line > from);
  expect(block, `${page}: a sh block after "${marker}"`).toBeDefined();
  return shellCommands(block?.body ?? '');
}

/** Waits (bounded) for `pattern` in the output; group 1. Fails with the output if it exits first. */
function printed(running: Running, pattern: RegExp, what: string): Promise<string> {
  return waitFor(what, () => {
    const found = pattern.exec(running.stdout())?.[1];
    if (found !== undefined) return found;
    if (running.hasExited) throw new Error(`exited before ${what}.\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`);
    return undefined;
  });
}

const quickStart = commandsAfter('README.md', '## Quick start');
const tryThem = commandsAfter('docs/clients.md', '**Try them**');

const realTalkstack = commandsAfter('README.md', 'Against real Talkstack');
/** A sample sid, stored in the simulator under the project of the real-Talkstack command too. */
const SID = DEMO_SAMPLE_SIDS[0]?.sid ?? '';

// Both servers start at once: each start is mostly Node loading the server.
let quickServer: Running;
let quickUrl: string;
let simulator: Simulator;
let realServer: Running;
let realUrl: string;
beforeAll(async () => {
  expect(quickStart.map((command) => command.text)).toEqual(['npm install', 'npm start']);
  expect(realTalkstack).toHaveLength(1);
  expect(realTalkstack[0]?.words).toEqual(['npm', 'start']);
  const { TALKSTACK_API_KEY: key = '', TALKSTACK_PROJECT_ID: project = '' } = realTalkstack[0]?.env ?? {};
  expect([key, project]).toEqual(['your-key', 'your-project']);
  // An account of the simulator with the page's key, and one call in the page's project.
  simulator = await startSimulator({ seedDemo: true });
  simulator.addAccount('yours', { apiKeys: [key] });
  simulator.setCall(project, SID, simulator.getCall(DEMO_PROJECT_ID, SID), 'yours');

  quickServer = startShellCommand(quickStart[1] as ShellCommand, { env: LOOPBACK_SERVER });
  realServer = startShellCommand(realTalkstack[0] as ShellCommand, { env: { ...LOOPBACK_SERVER, TALKSTACK_API_URL: simulator.url } });
  [quickUrl, realUrl] = await Promise.all([printed(quickServer, BANNER_URL, 'the start-up banner'), printed(realServer, BANNER_URL, 'the start-up banner')]);
});
afterAll(async () => {
  await Promise.all([quickServer?.stop(), realServer?.stop()]);
  await simulator?.close();
  killAll();
});

describe('README.md quick start, and docs/clients.md "Try them" on the same server', () => {
  it('npm start: demo mode, its banner, GraphiQL with the four tabs at /graphql', async () => {
    // The whole banner: the sample sids come after the demo line.
    await printed(quickServer, new RegExp(`(${DEMO_SAMPLE_SIDS.at(-1)?.sid ?? ''})`), 'the sample sids');
    expect(quickServer.stdout()).toMatch(/^Demo mode/m);
    expect(quickServer.stdout()).toMatch(/a new one starts every 20 s and takes 32 s to complete/);
    const page = await fetch(`${quickUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const readme = docPage('README.md');
    for (const tab of ['DashboardPage', 'OneCall', 'WatchCall', 'ErrorStates']) {
      expect(readme).toContain(`\`${tab}\``);
      expect(html).toContain(tab);
    }
  });

  it('docs/clients.md: npm start, npm run example:dashboard, npm run example:web', async () => {
    expect(tryThem.map((command) => command.words.join(' '))).toEqual(['npm start', 'npm run example:dashboard', 'npm run example:web']);
    expect(tryThem[0]?.words).toEqual(quickStart[1]?.words);
    const env = { GRAPHQL_URL: `${quickUrl}/graphql` };
    const dashboard = startShellCommand(tryThem[1] as ShellCommand, { env });
    const web = startShellCommand(tryThem[2] as ShellCommand, { env: { ...env, EXAMPLE_WEB_PORT: '0' } });
    try {
      const pageUrl = await printed(web, /Example dashboard on (http:\/\/localhost:\d+\/web\/)/, 'the web dashboard line');
      const loopbackPage = pageUrl.replace('localhost', '127.0.0.1');
      const html = await (await fetch(loopbackPage)).text();
      expect(html).toContain('"ky": "/vendor/ky/index.js"');
      expect((await fetch(new URL('/vendor/ky/index.js', loopbackPage))).status).toBe(200);

      // The table of the demo page, then it follows the live calls (or says none is live).
      await printed(dashboard, /^(SID\s+STATUS\s+FROM\s+TO\s+DATE \(UTC\)\s+TIME\s+COST\s+RECORDINGS)$/m, 'the table header');
      await printed(dashboard, /^(Following \d+ live call\(s\)|No live call on this page)/m, 'the line after the table');
      for (const sample of DEMO_SAMPLE_SIDS.slice(0, 6)) expect(dashboard.stdout()).toContain(`${sample.sid}  COMPLETED`);
    } finally {
      await Promise.all([dashboard.stop(), web.stop()]);
    }
  });
});

describe('README.md "Against real Talkstack"', () => {
  it('starts with the key and project the command sets, and a client needs neither', async () => {
    const { TALKSTACK_API_KEY: key, TALKSTACK_PROJECT_ID: project } = realTalkstack[0]?.env ?? {};
    expect(realServer.stdout()).not.toMatch(/^Demo mode/m);
    const response = await fetch(`${realUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ call(sid: "${SID}") { sid projectId status } }` }),
    });
    expect(await response.json()).toEqual({ data: { call: { sid: SID, projectId: project, status: 'COMPLETED' } } });
    const asked = simulator.requestLog.filter((entry) => entry.sid === SID);
    expect(asked.length).toBeGreaterThan(0);
    for (const entry of asked) expect([entry.apiKey, entry.projectId]).toEqual([key, project]);
  });
});

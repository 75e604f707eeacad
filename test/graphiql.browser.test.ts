/**
 * GraphiQL in a real browser (Debian's Chromium, driven by playwright-core) against the
 * demo-mode server in-process: the page's queries and its subscription run with no header
 * typed, the subscription shows a live call moving, and CSRF prevention never refuses one of
 * GraphiQL's requests. The simulator's clock is injected, so the call moves when the test
 * says, not after real seconds. A screenshot goes to test/artifacts/.
 *
 * Without Chromium the suite fails under CI (CI is set; .ci/run installs it) and is skipped
 * elsewhere, saying why.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../src/server.js';
import { DEMO_SAMPLE_SIDS } from '../src/simulator/index.js';
import { startDemoServer, type DemoServer } from './support/demoServer.js';

// Debian's package; CHROMIUM_PATH points elsewhere (another distribution, or to check the missing case).
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// As this machine's notes prescribe: no sandbox as root, and no background connections
// (the network is closed; Chromium would keep trying).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const UI_TIMEOUT_MS = 10_000;

const STEP_MS = 8000;
const INTERVAL_MS = 20_000;
// A slot boundary: the newest live call is born exactly at T0, so it starts `queued`.
const T0 = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;

const chromiumMissing = !existsSync(CHROMIUM);
const inCI = Boolean(process.env.CI);
const MISSING = `Chromium is not installed at ${CHROMIUM} (Debian: apt-get install -y chromium; .ci/run installs it)`;
const skip = chromiumMissing && !inCI;
if (skip) console.warn(`test/graphiql.browser.test.ts skipped: ${MISSING}`);

interface SeenRequest {
  method: string;
  accept: string;
  csrf: string | undefined;
  status: number;
}

/** An editor's text as shown. Monaco writes spaces as no-break spaces. */
async function editorText(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).innerText()).replace(/\u00a0/g, ' ');
}

const resultText = (page: Page) => editorText(page, '.graphiql-response');

async function waitForResult(page: Page, pattern: RegExp): Promise<string> {
  await expect.poll(() => resultText(page), { timeout: UI_TIMEOUT_MS, interval: 100 }).toMatch(pattern);
  return resultText(page);
}

/** ▶, then the operation in the menu GraphiQL shows for a document of several operations. */
async function runFromMenu(page: Page, operationName: string): Promise<void> {
  await page.locator('.graphiql-execute-button').click();
  await page.getByRole('menuitem', { name: operationName, exact: true }).click();
}

describe.skipIf(skip)(skip ? `GraphiQL in Chromium (skipped: ${MISSING})` : 'GraphiQL in Chromium', () => {
  const clock = { t: T0 };
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  const seen: SeenRequest[] = [];

  beforeAll(async () => {
    if (chromiumMissing) throw new Error(`${MISSING}; CI is set, so this fails rather than skips`);
    demo = await startDemoServer({
      simulator: { now: () => clock.t },
      // Watchers poll quickly, so a step of the injected clock shows at once.
      config: { callPollIntervalMs: 100 },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    // A tall window: the whole document is on screen, so its lines can be clicked.
    page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
    page.on('response', (response) => {
      const request = response.request();
      if (new URL(request.url()).pathname !== '/graphql' || request.resourceType() === 'document') return;
      const headers = request.headers();
      seen.push({ method: request.method(), accept: headers.accept ?? '', csrf: headers[CSRF_HEADER], status: response.status() });
    });
    await page.goto(`${demo.url}/graphql`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('.graphiql-query-editor').getByText('query DashboardPage').waitFor({ timeout: UI_TIMEOUT_MS });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('runs DashboardPage from the ▶ menu: the calls and their status, no error', async () => {
    await runFromMenu(page, 'DashboardPage');
    const text = await waitForResult(page, /"calls": \[/);
    expect(text).toContain(`"sid": "${DEMO_SAMPLE_SIDS[0]?.sid}"`);
    expect(text).toMatch(/"status": "COMPLETED"/);
    expect(text).not.toContain('"errors"');
  });

  it('runs OneCall with Ctrl+Enter, the cursor in it', async () => {
    await page.locator('.graphiql-query-editor .view-line', { hasText: 'query OneCall' }).click();
    await page.keyboard.press('Control+Enter');
    const text = await waitForResult(page, /"upstreamStatus": "completed"/);
    expect(text).toContain('"call": {');
    expect(text).not.toContain('"errors"');
  });

  it('runs the WatchCall subscription and shows the live call moving, with no CSRF error', async () => {
    const sid = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    await runFromMenu(page, 'WatchCall');
    await waitForResult(page, /"status": "QUEUED"/);

    clock.t = T0 + STEP_MS;
    await waitForResult(page, /"status": "RINGING"/);
    clock.t = T0 + 2 * STEP_MS;
    await waitForResult(page, /"status": "IN_PROGRESS"/);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'graphiql-watchcall.png'), fullPage: true });

    clock.t = T0 + 4 * STEP_MS;
    const text = await waitForResult(page, /"status": "COMPLETED"/);
    expect(text).toMatch(/"isFinal": true/);
    expect(text).not.toMatch(/CSRF/i);
    expect(demo.demo.simulator.requestLog.some((entry) => entry.sid === sid)).toBe(true);
  });

  it("sent every GraphiQL request within CSRF prevention, the subscription's GET with the header", () => {
    expect(seen.filter((request) => request.status === 403)).toEqual([]);
    const subscriptions = seen.filter((request) => request.accept.includes('text/event-stream'));
    expect(subscriptions).toEqual([{ method: 'GET', accept: 'text/event-stream', csrf: '1', status: 200 }]);
  });

  it('reloads with the sids live then, in the same tab', async () => {
    clock.t = T0 + INTERVAL_MS;
    const newest = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    await page.reload();
    await page.locator('.graphiql-query-editor').getByText('query DashboardPage').waitFor({ timeout: UI_TIMEOUT_MS });
    await expect
      .poll(() => editorText(page, '.graphiql-query-editor'), { timeout: UI_TIMEOUT_MS })
      .toContain(`callUpdates(sid: "${newest}")`);
    // Still the one tab: a document matching no stored tab would have added one.
    expect(await page.locator('.graphiql-tab').count()).toBe(1);
  });
});

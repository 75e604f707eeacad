/**
 * GraphiQL in a real browser (Debian's Chromium, driven by playwright-core) against the
 * demo-mode server in-process: one tab per example operation, each run with no header typed;
 * the subscription shows a live call moving; the ErrorStates tab shows each error code; CSRF
 * prevention never refuses one of GraphiQL's requests; reloading refreshes the tabs' live sids
 * without adding a tab; the icon loads; the docs explorer says what the federation internals
 * are. The simulator's clock is injected, so calls move when the test says, not after real
 * seconds. Screenshots go to test/artifacts/.
 *
 * Without Chromium the suite fails under CI (.ci/run installs it) and is skipped elsewhere,
 * saying why (test/support/chromium.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../src/graphql/yoga.js';
import { DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS } from '../src/simulator/index.js';
import { artifactPath, launchChromium, skipWithoutChromium } from './support/chromium.js';
import { startDemoServer, type DemoServer } from './support/demoServer.js';

const skip = skipWithoutChromium('test/graphiql.browser.test.ts');
const UI_TIMEOUT_MS = 10_000;
const EXAMPLE_TABS = ['DashboardPage', 'OneCall', 'WatchCall', 'ErrorStates'];

const STEP_MS = 8000;
const INTERVAL_MS = 20_000;
// A slot boundary: the newest live call is born exactly at T0, so it starts `queued`.
const T0 = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;

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
const queryText = (page: Page) => editorText(page, '.graphiql-query-editor');
const tabTitles = (page: Page) => page.locator('.graphiql-tab .graphiql-tab-button').allInnerTexts();
const activeTab = (page: Page) => page.locator('.graphiql-tab-active').innerText();

async function waitForResult(page: Page, pattern: RegExp, timeout = UI_TIMEOUT_MS): Promise<string> {
  await expect.poll(() => resultText(page), { timeout, interval: 100 }).toMatch(pattern);
  return resultText(page);
}

/**
 * Opens the example tab and waits until GraphiQL has taken in its document: GraphiQL reads a
 * changed document 100 ms later (debounced), and ▶ before that sends the previous tab's
 * operation name. Once it has, Yoga's GraphiQL writes the document into the URL's `?query=`.
 */
async function openTab(page: Page, operationName: string): Promise<void> {
  await page.locator('.graphiql-tab .graphiql-tab-button', { hasText: operationName }).click();
  await expect.poll(() => activeTab(page), { timeout: UI_TIMEOUT_MS }).toBe(operationName);
  const pattern = new RegExp(`^(query|subscription) ${operationName}\\b`, 'm');
  await expect.poll(() => new URL(page.url()).searchParams.get('query') ?? '', { timeout: UI_TIMEOUT_MS }).toMatch(pattern);
}

/** ▶: each tab holds one operation, so GraphiQL runs it without asking which. */
const run = (page: Page) => page.locator('.graphiql-execute-button').click();

/** What GraphiQL has stored of its tabs (it stores them half a second after a change). */
async function storedTabs(page: Page): Promise<{ activeTabIndex: number; tabs: Array<{ title: string; query: string | null }> } | null> {
  return page.evaluate(() => JSON.parse(localStorage.getItem('graphiql:tabState') ?? 'null'));
}

/**
 * Reloads once GraphiQL has stored the open tab with its text (the URL's `?query=`, written
 * 100 ms after a change), as a person reloading a moment later would find it.
 */
async function reload(page: Page): Promise<void> {
  const open = await activeTab(page);
  await expect
    .poll(async () => {
      const stored = await storedTabs(page);
      const tab = stored?.tabs[stored.activeTabIndex];
      const shown = new URL(page.url()).searchParams.get('query');
      return tab?.title === open && (shown === null || tab.query === shown);
    }, { timeout: UI_TIMEOUT_MS })
    .toBe(true);
  await page.reload();
  await page.locator('.graphiql-execute-button').waitFor({ timeout: UI_TIMEOUT_MS });
  await page.locator('.graphiql-tab').first().waitFor({ timeout: UI_TIMEOUT_MS });
}

describe.skipIf(skip)('GraphiQL in Chromium', () => {
  const clock = { t: T0 };
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  const seen: SeenRequest[] = [];

  beforeAll(async () => {
    demo = await startDemoServer({
      simulator: { now: () => clock.t },
      // Watchers poll quickly, so a step of the injected clock shows at once.
      config: { callPollIntervalMs: 100 },
    });
    browser = await launchChromium();
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

  it('opens one tab per example operation, DashboardPage first', async () => {
    expect(await tabTitles(page)).toEqual(EXAMPLE_TABS);
    expect(await activeTab(page)).toBe('DashboardPage');
  });

  it('runs DashboardPage with ▶: the calls and their status, no error', async () => {
    await run(page);
    const text = await waitForResult(page, /"calls": \[/);
    expect(text).toContain(`"sid": "${DEMO_SAMPLE_SIDS[0]?.sid}"`);
    expect(text).toMatch(/"status": "COMPLETED"/);
    expect(text).not.toContain('"errors"');
  });

  it('runs OneCall in its tab with Ctrl+Enter', async () => {
    await openTab(page, 'OneCall');
    await page.locator('.graphiql-query-editor .view-line', { hasText: 'query OneCall' }).click();
    await page.keyboard.press('Control+Enter');
    const text = await waitForResult(page, /"upstreamStatus": "completed"/);
    expect(text).toContain('"call": {');
    expect(text).not.toContain('"errors"');
  });

  it('runs ErrorStates: each error sid shows its code, the good call still answers', async () => {
    await openTab(page, 'ErrorStates');
    await run(page);
    // The timeout sid takes 3 tries of 1.5 s.
    const text = await waitForResult(page, /"UPSTREAM_TIMEOUT"/, 15_000);
    for (const state of DEMO_ERROR_SIDS) if (state.code) expect(text).toContain(`"code": "${state.code}"`);
    expect(text).toContain(`"sid": "${DEMO_SAMPLE_SIDS[0]?.sid}"`);
    await page.screenshot({ path: artifactPath('graphiql-errorstates.png'), fullPage: true });
  }, 20_000);

  it('runs the WatchCall subscription and shows the live call moving, with no CSRF error', async () => {
    const sid = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    await openTab(page, 'WatchCall');
    expect(await queryText(page)).toContain(`callUpdates(sid: "${sid}")`);
    await run(page);
    await waitForResult(page, /"status": "QUEUED"/);

    clock.t = T0 + STEP_MS;
    await waitForResult(page, /"status": "RINGING"/);
    clock.t = T0 + 2 * STEP_MS;
    await waitForResult(page, /"status": "IN_PROGRESS"/);

    await page.screenshot({ path: artifactPath('graphiql-watchcall.png'), fullPage: true });

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

  it('reloads with the sids live then, in the same tabs, the open one still open, adding none', async () => {
    const before = await tabTitles(page);
    expect(before).toEqual(EXAMPLE_TABS);
    clock.t = T0 + INTERVAL_MS;
    const newest = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    await reload(page);
    await expect.poll(() => queryText(page), { timeout: UI_TIMEOUT_MS }).toContain(`callUpdates(sid: "${newest}")`);
    expect(await activeTab(page)).toBe('WatchCall');
    expect(await tabTitles(page)).toEqual(before);

    // The other kept tabs got this load's documents too.
    await openTab(page, 'DashboardPage');
    expect(await queryText(page)).toContain(`"${newest}"`);

    // Reloading again (same instant, another tab open) adds nothing either.
    await reload(page);
    await expect.poll(() => activeTab(page), { timeout: UI_TIMEOUT_MS }).toBe('DashboardPage');
    expect(await tabTitles(page)).toEqual(before);
  });

  it('keeps a tab the user edited as it is across reloads', async () => {
    await openTab(page, 'OneCall');
    await page.locator('.graphiql-query-editor .view-line', { hasText: 'upstreamStatus' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' cost');
    // Taken in once it is in the URL (see openTab).
    await expect.poll(() => new URL(page.url()).searchParams.get('query') ?? '', { timeout: UI_TIMEOUT_MS }).toMatch(/upstreamStatus cost/);
    clock.t = T0 + 2 * INTERVAL_MS;
    await reload(page);
    await expect.poll(() => activeTab(page), { timeout: UI_TIMEOUT_MS }).toBe('OneCall');
    expect(await queryText(page)).toMatch(/upstreamStatus cost/);
    expect(await tabTitles(page)).toEqual(EXAMPLE_TABS);
  });

  it('shows its icon: the linked SVG and /favicon.ico load as images from this server', async () => {
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(href).toMatch(/^\/graphiql\/[^/]+\/favicon\.svg$/);
    for (const [path, type] of [
      [href ?? '', 'image/svg+xml'],
      ['/favicon.ico', 'image/x-icon'],
    ] as const) {
      const response = await page.request.get(`${demo.url}${path}`);
      expect(response.status(), path).toBe(200);
      expect(response.headers()['content-type'], path).toBe(type);
      // The browser decodes it as an image.
      const width = await page.evaluate(async (src) => {
        const image = new Image();
        image.src = src;
        await image.decode();
        return image.naturalWidth;
      }, path);
      expect(width, path).toBeGreaterThan(0);
    }
  });

  it('says in the docs explorer that _entities and _service are federation internals', async () => {
    await page.getByRole('button', { name: /Show Documentation Explorer/ }).click();
    const explorer = page.locator('.graphiql-doc-explorer');
    await explorer.getByRole('link', { name: 'Query', exact: true }).first().click();
    for (const field of ['_entities', '_service']) {
      const item = explorer.locator('.graphiql-doc-explorer-item', {
        has: page.locator('.graphiql-doc-explorer-field-name', { hasText: new RegExp(`^${field}$`) }),
      });
      await expect.poll(() => item.innerText(), { timeout: UI_TIMEOUT_MS }).toMatch(/Federation internals/);
    }
    await page.screenshot({ path: artifactPath('graphiql-docs-federation.png'), fullPage: true });
  });

  it('on the first visit since the single-document page, drops its unedited tab and adds the example tabs', async () => {
    const fresh = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
    try {
      await fresh.goto(`${demo.url}/graphql`);
      await fresh.locator('.graphiql-tab').first().waitFor({ timeout: UI_TIMEOUT_MS });
      // What the earlier page left: its whole document in one tab, and a tab of the user's own.
      const old = '# the earlier demo document\nquery DashboardPage { calls(sids: ["x"]) { sid } }\nquery OneCall { call(sid: "x") { sid } }\n';
      const own = 'query Mine { call(sid: "x") { sid status } }\n';
      await fresh.evaluate(
        ({ old, own }) => {
          const tab = (id: string, query: string, title: string) => ({ id, hash: '', title, query, variables: null, headers: null, operationName: null, response: null });
          localStorage.clear();
          localStorage.setItem('graphiql:tabState', JSON.stringify({ activeTabIndex: 0, tabs: [tab('a', old, 'DashboardPage'), tab('b', own, 'Mine')] }));
          localStorage.setItem('talkstack:graphiql:lastDocument', old);
        },
        { old, own },
      );
      await fresh.goto(`${demo.url}/graphql`);
      await fresh.locator('.graphiql-tab').first().waitFor({ timeout: UI_TIMEOUT_MS });
      await expect.poll(() => tabTitles(fresh), { timeout: UI_TIMEOUT_MS }).toEqual(['Mine', ...EXAMPLE_TABS]);
      expect(await fresh.evaluate(() => localStorage.getItem('talkstack:graphiql:lastDocument'))).toBeNull();
    } finally {
      await fresh.close();
    }
  });
});

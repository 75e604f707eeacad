/**
 * GraphiQL in a real browser (Debian's Chromium, driven by playwright-core) against the
 * demo-mode server in-process, one page loaded once and reloaded once: one tab per example
 * operation, each run with no header typed; the subscription shows the next live call from
 * QUEUED (before its birth) to COMPLETED; the
 * ErrorStates tab shows each error code; CSRF prevention never refuses one of GraphiQL's
 * requests; reloading refreshes the tabs' live sids without adding a tab and keeps an edited
 * one; the icon loads; the docs explorer says what the federation internals are; a first visit
 * since the single-document page drops its unedited tab. The simulator's clock is injected,
 * so calls move when the test says, not after real seconds.
 *
 * Incremental delivery shown: a `calls` query with `@stream` and one slow call among fast
 * ones shows the fast calls first, then the slow one, in the response pane; GraphiQL's fetcher
 * asks for multipart/mixed and gets it. The calls are the test's own, the slow one made with the
 * simulator's delay fault (not the demo's own slow sid, so this test does not depend on it); the
 * editor's content is replaced with select-all and inserted text, whatever the open tab holds.
 *
 * The same page at 1,280 × 800, loaded beside it: every line of every example tab shows whole
 * in the query editor (measured in pixels: its right end is left of the editor's scrollbar),
 * paged through from top to bottom, with nothing to scroll sideways; its WatchCall runs beside
 * the tall page's, QUEUED to COMPLETED (screenshots of both); the docs explorer opens on the
 * schema's description, which names the federation internals.
 *
 * Screenshots go to test/artifacts/.
 *
 * Without Chromium the suite fails under CI (.ci/run installs it) and is skipped elsewhere,
 * saying why (test/support/chromium.ts).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_OPTIONS_GLOBAL } from '../../src/graphiql/graphiqlPage.js';
import { CSRF_HEADER } from '../../src/graphql/yoga.js';
import { DEMO_ERROR_SIDS, DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS } from '../../src/simulator/index.js';
import { artifactPath, launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { startDemoServer, type DemoServer } from '../support/demoServer.js';

const skip = skipWithoutChromium('test/browser/graphiql.test.ts');
const UI_TIMEOUT_MS = 10_000;
const EXAMPLE_TABS = ['DashboardPage', 'OneCall', 'WatchCall', 'ErrorStates'];

const STEP_MS = 8000;
const INTERVAL_MS = 20_000;
// A slot boundary: the newest live call is born exactly at T0, and WatchCall names the next,
// born at T0 + INTERVAL_MS and queued until then.
const T0 = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
const NEXT_BORN = T0 + INTERVAL_MS;

/** Long enough to see (and photograph) the partial result; under the demo server's per-try timeout (2 s). */
const SLOW_MS = 1500;

// Calls of their own: the demo's are kept by the cache of final calls once the example tabs ran.
const [fast1, fast2, fast3, slow] = ['CAstreamfast1', 'CAstreamfast2', 'CAstreamfast3', 'CAstreamslow'] as const;
// One line: Monaco auto-indents and auto-closes brackets after each inserted newline.
const QUERY = `query StreamedCalls { calls(sids: ["${fast1}", "${fast2}", "${fast3}", "${slow}"]) @stream(initialCount: 0) { sid status durationSeconds } }`;

interface SeenRequest {
  method: string;
  accept: string;
  csrf: string | undefined;
  status: number;
  contentType: string;
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

const NARROW_VIEWPORT = { width: 1280, height: 800 };
const executeLabel = (page: Page) => page.locator('.graphiql-execute-button').getAttribute('aria-label');

interface LineFit {
  text: string;
  /** how far the line's text reaches past what the editor shows, in px (≤ 0: it fits) */
  overflowPx: number;
}

/**
 * Whether Monaco lets the query editor scroll sideways: it shows a horizontal scrollbar (over
 * the last line in view) once its widest line so far, plus 4 columns, is wider than the editor.
 */
const scrollsSideways = async (page: Page) =>
  !/\binvisible\b/.test((await page.locator('.graphiql-query-editor .editor-scrollable > .scrollbar.horizontal').getAttribute('class')) ?? '');

/** The query editor's rendered lines (Monaco renders those in view), each with how far it overflows. */
async function renderedLines(page: Page): Promise<LineFit[]> {
  return page.locator('.graphiql-query-editor').evaluate((editor) => {
    const scrollable = editor.querySelector('.editor-scrollable');
    if (!scrollable) throw new Error('no Monaco editor in the query editor');
    // Monaco's vertical scrollbar lies over the text's right end.
    const scrollbar = scrollable.querySelector(':scope > .scrollbar.vertical')?.getBoundingClientRect().width ?? 0;
    const shownUpTo = scrollable.getBoundingClientRect().right - scrollbar;
    return [...editor.querySelectorAll('.view-line')].map((line) => ({
      text: (line.textContent ?? '').replace(/\u00a0/g, ' '),
      overflowPx: (line.firstElementChild ?? line).getBoundingClientRect().right - shownUpTo,
    }));
  });
}

/**
 * Every line of the open tab's document as the editor shows it, with how far it overflows, and
 * whether the editor scrolled sideways at any point: it is paged through from the top
 * (Ctrl+Home, then Page Down), moving only its cursor.
 */
async function allLines(page: Page, document: string): Promise<{ lines: Map<string, number>; sideways: boolean }> {
  const expected = new Set(document.split('\n'));
  const lines = new Map<string, number>();
  let sideways = false;
  await page.locator('.graphiql-query-editor textarea').focus();
  await page.keyboard.press('Control+Home');
  for (let pages = 0; pages < 20; pages++) {
    await page.waitForTimeout(50);
    for (const line of await renderedLines(page)) lines.set(line.text, Math.max(line.overflowPx, lines.get(line.text) ?? -Infinity));
    sideways ||= await scrollsSideways(page);
    if ([...expected].every((line) => lines.has(line))) break;
    await page.keyboard.press('PageDown');
  }
  expect([...expected].filter((line) => !lines.has(line)), 'lines never shown').toEqual([]);
  return { lines, sideways };
}

describe.skipIf(skip)('GraphiQL in Chromium', () => {
  let browser: Browser;
  const clock = { t: T0 };
  let demo: DemoServer;
  /** one browser profile for the file: GraphiQL's assets are fetched and compiled once */
  let context: BrowserContext;

  beforeAll(async () => {
    [browser, demo] = await Promise.all([
      launchChromium(),
      startDemoServer({
        simulator: { now: () => clock.t },
        // Watchers poll quickly, so a step of the injected clock shows at once. The error states
        // need only their codes: one try of 2 s (not 3 tries of 1.5 s, and the 429's Retry-After).
        config: { callPollIntervalMs: 100, upstreamTimeoutMs: 2000, upstreamRetries: 0 },
      }),
    ]);
    // A tall window: the whole document is on screen, so its lines can be clicked.
    context = await browser.newContext({ viewport: { width: 1400, height: 1600 } });
  }, 30_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.close();
  });

  let page: Page;
  /** the same page in a 1,280 × 800 window, its own browser context */
  let narrow: Page;
  /** GraphiQL's requests to /graphql (of `page`), with the answer's status and type */
  const seen: SeenRequest[] = [];

  beforeAll(async () => {
    page = await context.newPage();
    page.on('response', (response) => {
      const request = response.request();
      if (new URL(request.url()).pathname !== '/graphql' || request.resourceType() === 'document') return;
      const headers = request.headers();
      seen.push({ method: request.method(), accept: headers.accept ?? '', csrf: headers[CSRF_HEADER], status: response.status(), contentType: response.headers()['content-type'] ?? '' });
    });
    narrow = await (await browser.newContext({ viewport: NARROW_VIEWPORT })).newPage();
    const load = async (each: Page) => {
      await each.goto(`${demo.url}/graphql`);
      await each.locator('.graphiql-execute-button').waitFor({ timeout: UI_TIMEOUT_MS });
      await each.locator('.graphiql-query-editor').getByText('query DashboardPage').waitFor({ timeout: UI_TIMEOUT_MS });
    };
    await Promise.all([load(page), load(narrow)]);
  }, 30_000);

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
    // The timeout sid takes its one try of 2 s.
    const text = await waitForResult(page, /"UPSTREAM_TIMEOUT"/);
    for (const state of DEMO_ERROR_SIDS) if (state.code) expect(text).toContain(`"code": "${state.code}"`);
    expect(text).toContain(`"sid": "${DEMO_SAMPLE_SIDS[0]?.sid}"`);
    await page.screenshot({ path: artifactPath('graphiql-errorstates.png'), fullPage: true });
  });

  it('at 1,280 × 800, shows every line of every example tab whole: no comment or field is cut at the editor edge, nothing to scroll sideways', async () => {
    // The page's options are a top-level `const` of its script: read by name, not from `window`.
    const tabs = (await narrow.evaluate(`${GRAPHIQL_OPTIONS_GLOBAL}.defaultTabs`)) as Array<{ query: string }>;
    const documents = new Map(tabs.map((tab) => [/^(?:query|subscription) (\w+)/m.exec(tab.query)?.[1] ?? '', tab.query]));
    expect([...documents.keys()]).toEqual(EXAMPLE_TABS);
    await narrow.screenshot({ path: artifactPath('graphiql-1280-dashboardpage.png') });
    const cut: string[] = [];
    for (const name of EXAMPLE_TABS) {
      await openTab(narrow, name);
      const { lines, sideways } = await allLines(narrow, documents.get(name) ?? '');
      for (const [text, overflowPx] of lines) if (overflowPx > 0) cut.push(`${name}: ${text} (${Math.ceil(overflowPx)} px too wide)`);
      if (sideways) cut.push(`${name}: scrolls sideways`);
    }
    expect(cut).toEqual([]);
  });

  it('runs the WatchCall subscription on the next live call (at 1,400 × 1,600 and at 1,280 × 800): QUEUED, each state, COMPLETED, where it ends; no CSRF error', async () => {
    const sid = demo.demo.simulator.nextLiveCall().sid;
    // Not the call under way when the page loaded, nor created by the load.
    expect(demo.demo.simulator.liveCalls()[0]?.sid).not.toBe(sid);
    expect(demo.demo.simulator.requestLog.filter((entry) => entry.sid === sid)).toEqual([]);
    const both = [page, narrow];
    for (const each of both) {
      await openTab(each, 'WatchCall');
      expect(await queryText(each)).toContain(`sid: "${sid}"`);
      await run(each);
    }
    for (const each of both) await waitForResult(each, /"status": "QUEUED"/);
    expect(await executeLabel(narrow)).toMatch(/^Stop/);
    await narrow.screenshot({ path: artifactPath('graphiql-1280-watchcall-queued.png') });

    clock.t = NEXT_BORN + STEP_MS;
    for (const each of both) await waitForResult(each, /"status": "RINGING"/);
    clock.t = NEXT_BORN + 2 * STEP_MS;
    for (const each of both) await waitForResult(each, /"status": "IN_PROGRESS"/);

    await page.screenshot({ path: artifactPath('graphiql-watchcall.png'), fullPage: true });

    clock.t = NEXT_BORN + 4 * STEP_MS;
    for (const each of both) {
      const text = await waitForResult(each, /"status": "COMPLETED"/);
      expect(text).toMatch(/"isFinal": true/);
      expect(text).not.toMatch(/CSRF/i);
      // The subscription ended by itself: ▶ runs again instead of stopping.
      await expect.poll(() => executeLabel(each), { timeout: UI_TIMEOUT_MS }).toMatch(/^Execute/);
    }
    await narrow.screenshot({ path: artifactPath('graphiql-1280-watchcall-completed.png') });
    expect(demo.demo.simulator.requestLog.some((entry) => entry.sid === sid)).toBe(true);
  });

  it("at 1,280 × 800, opens the docs explorer on the schema's description, federation internals named as such", async () => {
    await narrow.getByRole('button', { name: /Show Documentation Explorer/ }).click();
    const explorer = narrow.locator('.graphiql-doc-explorer');
    await expect.poll(() => explorer.innerText(), { timeout: UI_TIMEOUT_MS }).toMatch(/Talkstack call data for dashboards/);
    expect(await explorer.innerText()).toMatch(/_entities[\s\S]*federation internals, for a gateway/);
    await narrow.screenshot({ path: artifactPath('graphiql-1280-docs-explorer.png') });
  });

  it("sent every GraphiQL request within CSRF prevention, the subscription's GET with the header", () => {
    expect(seen.filter((request) => request.status === 403)).toEqual([]);
    const subscriptions = seen.filter((request) => request.accept.includes('text/event-stream'));
    expect(subscriptions).toEqual([{ method: 'GET', accept: 'text/event-stream', csrf: '1', status: 200, contentType: expect.stringContaining('text/event-stream') }]);
  });

  it('reloads with the sids live then, in the same tabs, the open one still open, an edited one kept as it is, adding none', async () => {
    expect(await tabTitles(page)).toEqual(EXAMPLE_TABS);
    // The user edits OneCall, then goes back to WatchCall.
    await openTab(page, 'OneCall');
    await page.locator('.graphiql-query-editor .view-line', { hasText: 'upstreamStatus' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' cost');
    // Taken in once it is in the URL (see openTab), and kept once GraphiQL has stored it.
    await expect.poll(() => new URL(page.url()).searchParams.get('query') ?? '', { timeout: UI_TIMEOUT_MS }).toMatch(/upstreamStatus cost/);
    const storedOneCall = async () => (await storedTabs(page))?.tabs.find((tab) => tab.title === 'OneCall')?.query ?? '';
    await expect.poll(storedOneCall, { timeout: UI_TIMEOUT_MS }).toMatch(/upstreamStatus cost/);
    await openTab(page, 'WatchCall');

    clock.t += INTERVAL_MS;
    const next = demo.demo.simulator.nextLiveCall().sid;
    const newest = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    await reload(page);
    await expect.poll(() => queryText(page), { timeout: UI_TIMEOUT_MS }).toContain(`sid: "${next}"`);
    expect(await activeTab(page)).toBe('WatchCall');
    expect(await tabTitles(page)).toEqual(EXAMPLE_TABS);

    // The other kept tabs got this load's documents too, except the one the user edited.
    await openTab(page, 'DashboardPage');
    expect(await queryText(page)).toContain(`"${newest}"`);
    await openTab(page, 'OneCall');
    expect(await queryText(page)).toMatch(/upstreamStatus cost/);
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

  it('shows @stream increments: the fast calls first, then the slow one, from one multipart response', async () => {
    for (const sid of [fast1, fast2, fast3, slow]) demo.demo.simulator.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', callSid: sid, seconds: 42, cost: 0.01 });
    demo.demo.simulator.injectFault(slow, { type: 'delay', ms: SLOW_MS });
    const before = seen.length;
    // Whatever the open tab holds: select it all and put the streamed query in its place.
    await page.locator('.graphiql-query-editor .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // Inserted as text, not typed key by key: Monaco would auto-close every bracket.
    await page.keyboard.insertText(QUERY);
    // GraphiQL's prettify button, for a readable screenshot.
    await page.getByRole('button', { name: /prettify/i }).click();
    await expect.poll(() => editorText(page, '.graphiql-query-editor'), { timeout: UI_TIMEOUT_MS }).toMatch(/query StreamedCalls \{\s*\n/);
    const shown = await editorText(page, '.graphiql-query-editor');
    expect(shown).toContain('@stream(initialCount: 0)');
    expect(shown).toContain(`"${slow}"`);
    expect(shown).not.toMatch(/(query|subscription) (?!StreamedCalls)\w+/);

    // GraphiQL takes in an edit 100 ms later (then Yoga's GraphiQL writes it to `?query=`);
    // ▶ before that sends the operation name of what the tab held before.
    await expect
      .poll(() => new URL(page.url()).searchParams.get('query') ?? '', { timeout: UI_TIMEOUT_MS })
      .toMatch(/^query StreamedCalls \{\s*\n[\s\S]*@stream/);
    const started = Date.now();
    // The document holds one operation: ▶ runs it without a menu.
    await page.locator('.graphiql-execute-button').click();

    // The partial result: the fast calls are there, the slow one is not yet.
    await expect
      .poll(() => editorText(page, '.graphiql-response'), { timeout: UI_TIMEOUT_MS, interval: 50 })
      .toMatch(new RegExp(`"sid": "${fast3}"`));
    const partial = await editorText(page, '.graphiql-response');
    const partialAt = Date.now() - started;
    expect(partial).toContain(`"sid": "${fast1}"`);
    expect(partial).toContain(`"sid": "${fast2}"`);
    expect(partial).not.toContain(`"sid": "${slow}"`);
    expect(partialAt).toBeLessThan(SLOW_MS);
    await page.screenshot({ path: artifactPath('graphiql-stream.png'), fullPage: true });

    // Then the final one, every call in list order, with no error.
    await expect
      .poll(() => editorText(page, '.graphiql-response'), { timeout: UI_TIMEOUT_MS, interval: 50 })
      .toContain(`"sid": "${slow}"`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_MS - 100);
    const final = await editorText(page, '.graphiql-response');
    const order = [fast1, fast2, fast3, slow].map((sid) => final.indexOf(`"sid": "${sid}"`));
    expect(order.every((position, index) => position > (order[index - 1] ?? -1))).toBe(true);
    expect(final).not.toContain('"errors"');

    // GraphiQL's fetcher asked for multipart and got it, in one POST.
    const posts = seen.slice(before).filter((response) => response.method === 'POST' && response.contentType.startsWith('multipart/mixed'));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.accept).toContain('multipart/mixed');
  });

  it('on the first visit since the single-document page, drops its unedited tab and adds the example tabs', async () => {
    // A page of its own in the same browser profile, the earlier one closed: nothing else
    // writes the profile's storage meanwhile.
    await page.close();
    const fresh = await context.newPage();
    try {
      // What the earlier page left: its whole document in one tab, and a tab of the user's own,
      // in the browser's storage before the page's scripts run.
      const old = '# the earlier demo document\nquery DashboardPage { calls(sids: ["x"]) { sid } }\nquery OneCall { call(sid: "x") { sid } }\n';
      const own = 'query Mine { call(sid: "x") { sid status } }\n';
      await fresh.addInitScript(
        ({ old, own }) => {
          // Once: this page is loaded once, and what GraphiQL stores then must not be overwritten.
          if (sessionStorage.getItem('seeded')) return;
          sessionStorage.setItem('seeded', '1');
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

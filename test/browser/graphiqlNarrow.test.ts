/**
 * GraphiQL in a 1,280 × 800 window (Debian's Chromium, driven by playwright-core), the demo
 * server in-process with its default schedule (a new live call every 20 s, 32 s each), so the
 * tabs hold the texts a visitor gets:
 * - every line of every example tab shows whole in the query editor (measured in pixels: its
 *   right end is left of the editor's scrollbar), paged through from top to bottom, and the
 *   editor has nothing to scroll sideways (no horizontal scrollbar over its last line);
 * - WatchCall, on a page loaded halfway through a live call, names the next call, not that
 *   one; the page's load asked the simulator nothing about it; run, it shows QUEUED, then each
 *   state up to COMPLETED, and the subscription ends by itself;
 * - the docs explorer opens on the schema's description, which names the federation internals.
 * The simulator's clock is injected: the call moves when the test says, not after 52 real s.
 *
 * Screenshots go to a temporary directory (printed), not into the repository.
 *
 * Without Chromium the suite fails under CI (.ci/run installs it) and is skipped elsewhere,
 * saying why (test/support/chromium.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_OPTIONS_GLOBAL } from '../../src/graphiql/graphiqlPage.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { startDemoServer, type DemoServer } from '../support/demoServer.js';

const skip = skipWithoutChromium('test/browser/graphiqlNarrow.test.ts');
const UI_TIMEOUT_MS = 10_000;
const VIEWPORT = { width: 1280, height: 800 };
const EXAMPLE_TABS = ['DashboardPage', 'OneCall', 'WatchCall', 'ErrorStates'];

// The demo defaults.
const STEP_MS = 8000;
const INTERVAL_MS = 20_000;
// Half a slot after a birth: the newest live call is well under way when the page loads.
const LOADED_AT = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS / 2;
const NEXT_BORN = LOADED_AT + INTERVAL_MS / 2;

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

const resultText = async (page: Page) => (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');
const activeTab = (page: Page) => page.locator('.graphiql-tab-active').innerText();
const executeLabel = (page: Page) => page.locator('.graphiql-execute-button').getAttribute('aria-label');

async function waitForResult(page: Page, pattern: RegExp): Promise<void> {
  await expect.poll(() => resultText(page), { timeout: UI_TIMEOUT_MS, interval: 50 }).toMatch(pattern);
}

/** Opens the example tab once GraphiQL has taken in its document (see graphiql.test.ts: openTab). */
async function openTab(page: Page, operationName: string): Promise<void> {
  await page.locator('.graphiql-tab .graphiql-tab-button', { hasText: operationName }).click();
  await expect.poll(() => activeTab(page), { timeout: UI_TIMEOUT_MS }).toBe(operationName);
  const pattern = new RegExp(`^(query|subscription) ${operationName}\\b`, 'm');
  await expect.poll(() => new URL(page.url()).searchParams.get('query') ?? '', { timeout: UI_TIMEOUT_MS }).toMatch(pattern);
}

describe.skipIf(skip)('GraphiQL in a 1,280 × 800 window', () => {
  const clock = { t: LOADED_AT };
  const screenshots = mkdtempSync(join(tmpdir(), 'graphiql-1280-'));
  let browser: Browser;
  let demo: DemoServer;
  let page: Page;
  /** the example documents the page was given, by operation name */
  let documents: Map<string, string>;

  beforeAll(async () => {
    [browser, demo] = await Promise.all([
      launchChromium(),
      startDemoServer({
        simulator: { now: () => clock.t },
        // Watchers poll quickly, so a step of the injected clock shows at once.
        config: { callPollIntervalMs: 100 },
      }),
    ]);
    page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    await page.goto(`${demo.url}/graphql`);
    await page.locator('.graphiql-query-editor').getByText('query DashboardPage').waitFor({ timeout: UI_TIMEOUT_MS });
    // The page's options are a top-level `const` of its script: read by name, not from `window`.
    const tabs = (await page.evaluate(`${GRAPHIQL_OPTIONS_GLOBAL}.defaultTabs`)) as Array<{ query: string }>;
    documents = new Map(tabs.map((tab) => [/^(?:query|subscription) (\w+)/m.exec(tab.query)?.[1] ?? '', tab.query]));
    console.info(`GraphiQL at 1280×800: screenshots in ${screenshots}`);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('shows every line of every example tab whole: no comment or field is cut at the editor edge, nothing to scroll sideways', async () => {
    expect([...documents.keys()]).toEqual(EXAMPLE_TABS);
    await page.screenshot({ path: join(screenshots, 'dashboardpage.png') });
    const cut: string[] = [];
    for (const name of EXAMPLE_TABS) {
      await openTab(page, name);
      const { lines, sideways } = await allLines(page, documents.get(name) ?? '');
      for (const [text, overflowPx] of lines) if (overflowPx > 0) cut.push(`${name}: ${text} (${Math.ceil(overflowPx)} px too wide)`);
      if (sideways) cut.push(`${name}: scrolls sideways`);
    }
    expect(cut).toEqual([]);
  });

  it('runs WatchCall on the next live call: QUEUED at page load, then each state up to COMPLETED, where it ends', async () => {
    const next = demo.demo.simulator.nextLiveCall();
    expect(next.bornAt).toBe(NEXT_BORN);
    // Not the call under way when the page loaded (its start is long past), nor created by the load.
    expect(demo.demo.simulator.liveCalls()[0]?.sid).not.toBe(next.sid);
    expect(documents.get('WatchCall')).toContain(`sid: "${next.sid}"`);
    expect(demo.demo.simulator.requestLog.filter((entry) => entry.sid === next.sid)).toEqual([]);

    await openTab(page, 'WatchCall');
    await page.locator('.graphiql-execute-button').click();
    await waitForResult(page, /"status": "QUEUED"/);
    expect(await executeLabel(page)).toMatch(/^Stop/);
    await page.screenshot({ path: join(screenshots, 'watchcall-queued.png') });

    // Queued until its birth and one step more; then a step for each later state.
    clock.t = NEXT_BORN + STEP_MS;
    await waitForResult(page, /"status": "RINGING"/);
    clock.t = NEXT_BORN + 2 * STEP_MS;
    await waitForResult(page, /"status": "IN_PROGRESS"/);
    clock.t = NEXT_BORN + 4 * STEP_MS;
    await waitForResult(page, /"status": "COMPLETED"/);
    expect(await resultText(page)).toMatch(/"isFinal": true/);
    // The subscription ended by itself: ▶ runs again instead of stopping.
    await expect.poll(() => executeLabel(page), { timeout: UI_TIMEOUT_MS }).toMatch(/^Execute/);
    await page.screenshot({ path: join(screenshots, 'watchcall-completed.png') });
    expect(demo.demo.simulator.requestLog.some((entry) => entry.sid === next.sid)).toBe(true);
  });

  it("opens the docs explorer on the schema's description, federation internals named as such", async () => {
    await page.getByRole('button', { name: /Show Documentation Explorer/ }).click();
    const explorer = page.locator('.graphiql-doc-explorer');
    await expect.poll(() => explorer.innerText(), { timeout: UI_TIMEOUT_MS }).toMatch(/Talkstack call data for dashboards/);
    expect(await explorer.innerText()).toMatch(/_entities[\s\S]*federation internals, for a gateway/);
    await page.screenshot({ path: join(screenshots, 'docs-explorer.png') });
  });
});

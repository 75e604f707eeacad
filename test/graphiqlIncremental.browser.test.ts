/**
 * GraphiQL shows incremental delivery (issue 10, point 6): in Debian's Chromium against the
 * demo-mode server, a `calls` query with `@stream` and one slow call among fast ones shows the
 * fast calls first, then the slow one, in the response pane; GraphiQL's fetcher asks for
 * multipart/mixed and gets it. The slow call is made with the simulator's delay fault (not the
 * demo's own slow sid, so this test does not depend on it). A screenshot of the partial result
 * goes to test/artifacts/graphiql-stream.png.
 *
 * The editor's content is replaced with select-all and inserted text, whatever tab GraphiQL
 * opened: the test does not depend on which example tabs the page offers.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CALLS } from '../src/simulator/index.js';
import { artifactPath, launchChromium, skipWithoutChromium } from './support/chromium.js';
import { startDemoServer, type DemoServer } from './support/demoServer.js';

const skip = skipWithoutChromium('test/graphiqlIncremental.browser.test.ts');
const UI_TIMEOUT_MS = 15_000;
/** Long enough to see (and photograph) the partial result; under the per-try timeout set below. */
const SLOW_MS = 2500;

const [fast1, fast2, fast3, slow] = DEMO_CALLS.slice(0, 4).map((call) => call.sid) as [string, string, string, string];
// One line: Monaco auto-indents and auto-closes brackets after each inserted newline.
const QUERY = `query StreamedCalls { calls(sids: ["${fast1}", "${fast2}", "${fast3}", "${slow}"]) @stream(initialCount: 0) { sid status durationSeconds } }`;

/** An editor's text as shown. Monaco writes spaces as no-break spaces. */
async function editorText(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).innerText()).replace(/\u00a0/g, ' ');
}

describe.skipIf(skip)('GraphiQL in Chromium: @stream shows its increments', () => {
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  const graphqlResponses: Array<{ method: string; accept: string; contentType: string }> = [];

  beforeAll(async () => {
    // The demo's short per-try timeout (1.5 s) would cut the slow call: set one explicitly.
    demo = await startDemoServer({ config: { upstreamTimeoutMs: 10_000, upstreamTimeoutExplicit: true } });
    demo.demo.simulator.injectFault(slow, { type: 'delay', ms: SLOW_MS });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('response', (response) => {
      const request = response.request();
      if (new URL(request.url()).pathname !== '/graphql' || request.resourceType() === 'document') return;
      graphqlResponses.push({ method: request.method(), accept: request.headers().accept ?? '', contentType: response.headers()['content-type'] ?? '' });
    });
    await page.goto(`${demo.url}/graphql`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('.graphiql-query-editor .view-line').first().waitFor({ timeout: UI_TIMEOUT_MS });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('shows the fast calls first, then the slow one, from one multipart response', async () => {
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
    const posts = graphqlResponses.filter((response) => response.method === 'POST' && response.contentType.startsWith('multipart/mixed'));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.accept).toContain('multipart/mixed');
  });
});

/**
 * examples/web, the example web dashboard, in headless Chromium (Debian's, via playwright-core)
 * against the demo server, cross-origin as it is meant to run: the page on its own server,
 * the API allowing that origin by CORS_ORIGINS. The rows arrive streamed (fast calls before a
 * slow one, which arrives before the timed-out one after it), error rows show their codes,
 * recording links are there, and the live row changes as the injected simulator clock steps.
 * The RATE_LIMITED row is asked again through the ky helper. An origin the API does not list
 * gets a clear message instead of rows. Screenshot:
 * test/artifacts/example-web-dashboard.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebExample, type WebExample } from '../../examples/web/serve.js';
import { DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS, DEMO_SLOW_SID } from '../../src/simulator/index.js';
import { artifactPath, launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { startDemoServer, type DemoServer } from '../support/demoServer.js';

const skip = skipWithoutChromium('test/browser/exampleWeb.test.ts');
const UI_TIMEOUT_MS = 15_000;
const STEP_MS = 8000;
const INTERVAL_MS = 20_000;
const T0 = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;

const errorSid = (code: string | null) => DEMO_ERROR_SIDS.find((entry) => entry.code === code)?.sid ?? '';

interface RowView {
  sid: string;
  kind: string;
  status: string;
  arrivedMs: number;
  links: number;
}

const rowsOf = (page: Page): Promise<RowView[]> =>
  page.$$eval('#calls tbody tr', (rows) =>
    rows.map((row) => ({
      sid: row.getAttribute('data-sid') ?? '',
      kind: row.getAttribute('data-kind') ?? '',
      status: row.querySelector('.badge')?.textContent ?? '',
      arrivedMs: Number(row.getAttribute('data-arrived-ms') || Number.NaN),
      links: row.querySelectorAll('a[href]').length,
    })),
  );

describe.skipIf(skip)('examples/web in Chromium', () => {
  const clock = { t: T0 };
  let web: WebExample;
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  let live = '';
  let sids: string[] = [];

  beforeAll(async () => {
    web = await startWebExample({ port: 0 });
    demo = await startDemoServer({
      simulator: { now: () => clock.t },
      // One try of 2 s: the timeout sid still answers well after the slow call (1 s), without
      // 3 tries of 1.5 s and the 429's Retry-After holding the page for seconds.
      config: { callPollIntervalMs: 50, corsOrigins: [new URL(web.url).origin], upstreamTimeoutMs: 2000, upstreamRetries: 0 },
    });
    live = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    // Fast calls first, then one answered after ~1 s, then the failures, the timeout last (2 s).
    sids = [
      live,
      ...DEMO_SAMPLE_SIDS.slice(0, 3).map((sample) => sample.sid),
      errorSid(null),
      errorSid('UPSTREAM_BAD_RESPONSE'),
      DEMO_SLOW_SID,
      errorSid('UPSTREAM_ERROR'),
      errorSid('RATE_LIMITED'),
      errorSid('UPSTREAM_TIMEOUT'),
    ];
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1300, height: 700 } });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    await web?.close();
  });

  const pageUrl = (base: string) => `${base}?api=${encodeURIComponent(`${demo.url}/graphql`)}&sids=${sids.join(',')}`;

  it('streams the rows in: every fast call well before the slow one, the timeout last, each error with its code', async () => {
    await page.goto(pageUrl(web.url));
    await page.waitForSelector('body[data-page="loaded"]', { timeout: UI_TIMEOUT_MS });
    const rows = await rowsOf(page);
    expect(rows.map((row) => row.sid)).toEqual(sids);

    const bySid = new Map(rows.map((row) => [row.sid, row]));
    const slow = bySid.get(DEMO_SLOW_SID);
    expect(slow?.kind).toBe('call');
    const fast = rows.slice(0, sids.indexOf(DEMO_SLOW_SID));
    for (const row of fast) expect(row.arrivedMs).toBeLessThan((slow?.arrivedMs ?? 0) - 500);
    expect(bySid.get(errorSid('UPSTREAM_TIMEOUT'))?.arrivedMs).toBeGreaterThan(slow?.arrivedMs ?? Number.POSITIVE_INFINITY);

    expect(bySid.get(live)?.status).toBe('QUEUED');
    expect(bySid.get(DEMO_SAMPLE_SIDS[0]?.sid ?? '')?.links).toBeGreaterThan(0);
    expect(bySid.get(errorSid(null))).toMatchObject({ kind: 'unknown', status: 'not found' });
    for (const code of ['UPSTREAM_BAD_RESPONSE', 'UPSTREAM_ERROR', 'RATE_LIMITED', 'UPSTREAM_TIMEOUT']) {
      expect(bySid.get(errorSid(code))).toMatchObject({ kind: 'error', status: code });
    }
    await expect.poll(() => page.textContent('#summary')).toMatch(new RegExp(`${sids.length} of ${sids.length} calls in · 1 live · 4 with an error`));

    // The RATE_LIMITED row is asked once more after its retryAfterMs, with ky (served from
    // node_modules at /vendor/ky/), cross-origin; the demo's 429 sid refuses every try.
    await page.waitForSelector('body[data-reask="done:1"]', { timeout: UI_TIMEOUT_MS });
    expect((await rowsOf(page)).find((row) => row.sid === errorSid('RATE_LIMITED'))).toMatchObject({ kind: 'error', status: 'RATE_LIMITED' });
    expect(await page.isHidden('#problem')).toBe(true);
  }, 30_000);

  it('changes the live row as the simulator moves it, until it is final', async () => {
    await page.waitForSelector('body[data-live="following"]', { timeout: UI_TIMEOUT_MS });
    const liveStatus = () => page.textContent(`tr[data-sid="${live}"] .badge`);
    clock.t = T0 + STEP_MS;
    await expect.poll(liveStatus, { timeout: UI_TIMEOUT_MS }).toBe('RINGING');
    clock.t = T0 + 2 * STEP_MS;
    await expect.poll(liveStatus, { timeout: UI_TIMEOUT_MS }).toBe('IN_PROGRESS');
    await page.screenshot({ path: artifactPath('example-web-dashboard.png'), fullPage: true });
    clock.t = T0 + 4 * STEP_MS;
    await expect.poll(liveStatus, { timeout: UI_TIMEOUT_MS }).toBe('COMPLETED');
    await page.waitForSelector('body[data-live="all-final"]', { timeout: UI_TIMEOUT_MS });
  }, 30_000);

  it('runs against a trusted-documents server with ?trusted=1 (hashes only); sending texts, it is refused', async () => {
    const trustedDemo = await startDemoServer({
      simulator: { now: () => clock.t },
      config: { persistedOperationsOnly: true, corsOrigins: [new URL(web.url).origin] },
    });
    const other = await browser.newPage();
    try {
      const samples = DEMO_SAMPLE_SIDS.slice(0, 2).map((sample) => sample.sid);
      const query = `api=${encodeURIComponent(`${trustedDemo.url}/graphql`)}&sids=${samples.join(',')}`;
      await other.goto(`${web.url}?${query}&trusted=1`);
      await other.waitForSelector('body[data-page="loaded"]', { timeout: UI_TIMEOUT_MS });
      expect((await rowsOf(other)).map((row) => row.status)).toEqual(['COMPLETED', 'COMPLETED']);

      await other.goto(`${web.url}?${query}`);
      const problem = other.locator('#problem');
      await problem.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      expect(await problem.textContent()).toMatch(/400/);
    } finally {
      await other.close();
      await trustedDemo.close();
    }
  });

  it('shows what to change when its origin is not in CORS_ORIGINS', async () => {
    // Same page, another origin (127.0.0.1 is not localhost to CORS): the API sends it no CORS headers.
    const other = await browser.newPage();
    await other.goto(pageUrl(web.url.replace('//localhost:', '//127.0.0.1:')));
    const problem = other.locator('#problem');
    await problem.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    expect(await problem.textContent()).toMatch(/CORS_ORIGINS/);
    expect(await other.$$eval('#calls tbody tr[data-kind="call"]', (rows) => rows.length)).toBe(0);
    await other.close();
  });
});

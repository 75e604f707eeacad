/**
 * The compiled entry point in demo mode (contract: TALKSTACK_DEMO, Commands): with no
 * TALKSTACK_* setting, `node dist/src/main.js` starts the built-in simulator, prints a
 * banner with sample sids, and serves the API and a self-contained GraphiQL that work
 * without any header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS, DEMO_SLOW_SID } from '../src/simulator/index.js';
import { BANNER_URL, killAll, type Running, START_TIMEOUT_MS, startServer, waitFor, waitForExit } from './support/serverProcess.js';

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
    running = startServer({});
    banner = await waitForDemoBanner(running);
  }, START_TIMEOUT_MS + 5000);

  it('prints the URL, the demo-mode line and the sample sids', () => {
    expect(running.stdout()).toMatch(/Talkstack calls GraphQL API on http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(running.stdout()).toMatch(/^Demo mode/m);
    expect(banner.sampleSids).toEqual(DEMO_SAMPLE_SIDS.map((sample) => sample.sid));
  });

  it('names each error-state sid with the code a client sees, the demo timeout and the slow sid', async () => {
    // The banner is written line by line: the slow sid comes last.
    await waitFor('the whole banner', () => running.stdout().includes(DEMO_SLOW_SID) || undefined);
    const stdout = running.stdout();
    for (const state of DEMO_ERROR_SIDS) {
      expect(stdout).toMatch(new RegExp(`^\\s+${state.sid}\\s+${state.code ?? 'null, no error'}\\s+\\S`, 'm'));
    }
    expect(stdout).toContain('upstream timeout 1.5 s per try in demo mode');
  });

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

  describe('GraphiQL', () => {
    let page: string;
    let contentType: string;
    let status: number;

    beforeAll(async () => {
      const response = await fetch(`${banner.baseUrl}/graphql`, {
        headers: { accept: 'text/html' },
        signal: AbortSignal.timeout(5000),
      });
      status = response.status;
      contentType = response.headers.get('content-type') ?? '';
      page = await response.text();
    });

    it('GET /graphql with accept text/html serves the page', () => {
      expect(status).toBe(200);
      expect(contentType).toContain('text/html');
      expect(page).toMatch(/<html/i);
    });

    it('loads no asset from a CDN', () => {
      expect(page).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh|skypack/i);
      // No absolute http(s) URL in a src/href attribute.
      expect(page).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    });

    it('its link/script assets (and workers) are served by this server with 200', async () => {
      const tagAssets = [...page.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="([^"]+)"/gi)].map((m) => m[1] as string);
      expect(tagAssets.length).toBeGreaterThanOrEqual(2);
      for (const asset of tagAssets) expect(asset).toMatch(/^\/graphiql\/[^/]+\/[^/]+$/);
      expect(tagAssets.some((asset) => asset.endsWith('.css'))).toBe(true);
      expect(tagAssets.some((asset) => asset.endsWith('.js'))).toBe(true);

      const allAssets = new Set([...tagAssets, ...[...page.matchAll(/\/graphiql\/[^"'\s)]+/g)].map((m) => m[0])]);
      for (const asset of allAssets) {
        const response = await fetch(`${banner.baseUrl}${asset}`, { signal: AbortSignal.timeout(5000) });
        expect(response.status, asset).toBe(200);
        const type = response.headers.get('content-type') ?? '';
        if (asset.endsWith('.css')) expect(type, asset).toContain('text/css');
        if (asset.endsWith('.js')) expect(type, asset).toMatch(/javascript/);
        const body = await response.arrayBuffer();
        expect(body.byteLength, asset).toBeGreaterThan(100);
      }
    });

    it("the page's first tab (DashboardPage) runs without errors", async () => {
      const optionsJson = /^const graphiqlOptions = (\{.*\});$/m.exec(page)?.[1];
      expect(optionsJson, 'GraphiQL options in the page').toBeTruthy();
      const options = JSON.parse(optionsJson as string) as { query?: string; defaultTabs?: Array<{ query: string }> };
      const query = options.defaultTabs?.[0]?.query;
      expect(typeof query).toBe('string');
      expect(query).toContain('query DashboardPage');
      expect(options.query).toBe(query);

      const response = await fetch(`${banner.baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, operationName: 'DashboardPage' }),
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data?: { calls?: unknown[] } | null; errors?: unknown[] };
      expect(body.errors).toBeUndefined();
      const calls = body.data?.calls ?? [];
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) expect(call).not.toBeNull();
    });
  });

  it('/health answers 200', async () => {
    const response = await fetch(`${banner.baseUrl}/health`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
  });

  it('SIGTERM makes the process exit with code 0', async () => {
    running.child.kill('SIGTERM');
    const { code, signal } = await waitForExit(running);
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});

describe('start-up with an invalid setting', () => {
  it('UPSTREAM_CONCURRENCY=abc exits non-zero, naming the variable on stderr', async () => {
    const running = startServer({ UPSTREAM_CONCURRENCY: 'abc' });
    const { code } = await waitForExit(running);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(running.stderr()).toContain('UPSTREAM_CONCURRENCY');
    expect(running.stdout()).not.toMatch(/GraphQL API on/);
  });
});

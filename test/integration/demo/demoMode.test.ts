/**
 * The compiled entry point in demo mode (contract: TALKSTACK_DEMO, Commands): with no
 * TALKSTACK_* setting, `node dist/src/main.js` starts the built-in simulator, prints the whole
 * demo banner (sample sids first, the slow sid last), serves the API without any header or
 * projectId, and exits 0 on SIGTERM, closing the simulator too. (The banner's lines and
 * GraphiQL in demo mode, in process: demoErrorStates.test.ts, graphiqlDocument.test.ts;
 * GraphiQL's assets: integration/graphiql/graphiqlAssets.test.ts; invalid settings:
 * integration/lifecycle/startup.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS, DEMO_SLOW_SID } from '../../../src/simulator/index.js';
import { BANNER_URL, killAll, type Running, START_TIMEOUT_MS, startServer, waitFor, waitForExit } from '../../support/serverProcess.js';

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

  it('prints the URL, the demo-mode line, the sample sids, and the whole banner down to the slow sid', async () => {
    expect(running.stdout()).toMatch(/Talkstack calls GraphQL API on http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(running.stdout()).toMatch(/^Demo mode/m);
    expect(banner.sampleSids).toEqual(DEMO_SAMPLE_SIDS.map((sample) => sample.sid));
    // The banner is written line by line: the slow sid comes last.
    await waitFor('the whole banner', () => running.stdout().includes(DEMO_SLOW_SID) || undefined);
    for (const state of DEMO_ERROR_SIDS) expect(running.stdout()).toContain(state.sid);
    expect(running.stdout()).toContain('upstream timeout 1.5 s per try in demo mode');
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

  it('SIGTERM makes the process exit with code 0', async () => {
    running.child.kill('SIGTERM');
    const { code, signal } = await waitForExit(running);
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});

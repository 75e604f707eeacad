/**
 * Demo mode's error states: the demo project's permanent sids answer as the upstream failures
 * do, so a UI developer sees each `extensions.code` without writing code, and a slow call
 * answers about a second late. Against the demo server over real HTTP, as `npm start` runs it
 * (1.5 s per-try timeout, 2 retries), and for the page of error sids a second one with a
 * per-try timeout of 300 ms set (UPSTREAM_TIMEOUT_MS kept in demo mode), so the timeout sid
 * does not hold the test for 3 × 1.5 s. Upstream requests are counted by the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { DEMO_UPSTREAM_TIMEOUT_MS, startDemoUpstream } from '../../../src/demo/demoMode.js';
import {
  DEMO_API_KEY,
  DEMO_ERROR_SIDS,
  DEMO_ERRORS_API_KEY,
  DEMO_PROJECT_ID,
  DEMO_SAMPLE_SIDS,
  DEMO_SLOW_DELAY_MS,
  DEMO_SLOW_SID,
  startSimulator,
} from '../../../src/simulator/index.js';
import { startDemoServer, type DemoServer } from '../../support/demoServer.js';

interface GraphQLBody {
  data?: { calls?: Array<{ sid: string; status: string } | null>; call?: { sid: string; status: string; isFinal: boolean } | null } | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: { code?: string } }>;
}

async function post(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ body: GraphQLBody; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as GraphQLBody;
  return { body, ms: performance.now() - started };
}

/** Upstream tries per sid as configured: a first try plus UPSTREAM_RETRIES for what is retried (a 429: 3 + UPSTREAM_RETRIES sends). */
const RETRIED = new Set(['UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT']);
const GOOD_SID = DEMO_SAMPLE_SIDS[0]?.sid ?? '';

/** The per-try timeout of the second demo server (UPSTREAM_TIMEOUT_MS set). */
const TIMEOUT_MS = 300;

describe('demo error states, against the demo server', () => {
  /** as `npm start` runs it */
  let demo: DemoServer;
  /** the same with a per-try timeout of 300 ms, for the page of error sids */
  let shortTimeout: DemoServer;

  beforeAll(async () => {
    [demo, shortTimeout] = await Promise.all([startDemoServer(), startDemoServer({ config: { upstreamTimeoutMs: TIMEOUT_MS } })]);
  });
  afterAll(() => Promise.all([demo?.close(), shortTimeout?.close()]));

  it('uses a 1.5 s per-try timeout in demo mode, with 2 retries', () => {
    expect(demo.demo.config.upstreamTimeoutMs).toBe(DEMO_UPSTREAM_TIMEOUT_MS);
    expect(DEMO_UPSTREAM_TIMEOUT_MS).toBe(1500);
    expect(demo.demo.config.upstreamRetries).toBe(2);
    expect(shortTimeout.demo.config).toMatchObject({ upstreamTimeoutMs: TIMEOUT_MS, upstreamRetries: 2 });
  });

  it('lists the contract codes the sids stand for', () => {
    expect(DEMO_ERROR_SIDS.map(({ sid, code }) => [sid, code])).toEqual([
      ['demo-error-500', 'UPSTREAM_ERROR'],
      ['demo-error-429', 'RATE_LIMITED'],
      ['demo-error-timeout', 'UPSTREAM_TIMEOUT'],
      ['demo-error-unknown', null],
      ['demo-error-malformed', 'UPSTREAM_BAD_RESPONSE'],
    ]);
    expect(new Set([...DEMO_ERROR_SIDS.map((state) => state.sid), DEMO_SLOW_SID]).size).toBe(DEMO_ERROR_SIDS.length + 1);
  });

  // The two below run at once, each against its own server.
  it.concurrent('answers each error sid with its code in one `calls` query, the good call beside them still answering', async ({ expect }) => {
    const { simulator, config } = shortTimeout.demo;
    const sids = [GOOD_SID, ...DEMO_ERROR_SIDS.map((state) => state.sid)];
    simulator.resetStats();
    // Sent as GraphiQL's ErrorStates tab sends it: with the demo key of its own.
    const page = post(shortTimeout.url, 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status } }', { sids }, { 'x-api-key': DEMO_ERRORS_API_KEY });
    // Meanwhile the demo key of the other tabs is neither paused by its 429s nor slowed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const beside = await post(shortTimeout.url, `{ call(sid: "${DEMO_SAMPLE_SIDS[1]?.sid ?? ''}") { sid } }`);
    expect(beside.body.errors).toBeUndefined();
    expect(beside.ms).toBeLessThan(1000);
    const { body, ms } = await page;

    const calls = body.data?.calls ?? [];
    expect(calls).toHaveLength(sids.length);
    expect(calls[0]).toEqual({ sid: GOOD_SID, status: 'COMPLETED' });
    const errors = body.errors ?? [];
    DEMO_ERROR_SIDS.forEach((state, i) => {
      const index = i + 1;
      expect(calls[index], state.sid).toBeNull();
      const error = errors.find((candidate) => candidate.path?.join('.') === `calls.${index}`);
      if (state.code === null) expect(error, state.sid).toBeUndefined();
      else expect(error?.extensions?.code, state.sid).toBe(state.code);
    });
    // One error per failing sid, nothing else (the unknown call is null with no error).
    expect(errors).toHaveLength(DEMO_ERROR_SIDS.filter((state) => state.code !== null).length);
    for (const error of errors) expect(error.message).not.toContain(DEMO_API_KEY);

    // The 429 sid bounds the page: sent 3 + UPSTREAM_RETRIES times, each 429 pausing its
    // tenant for its Retry-After (1 s); far from the half minute of the default 10 s timeout.
    expect(ms).toBeGreaterThanOrEqual((2 + config.upstreamRetries) * 1000);
    expect(ms).toBeLessThan(8000);

    const tries = config.upstreamRetries + 1;
    const bySid = simulator.stats.bySid;
    expect(bySid.get(GOOD_SID)).toBe(1);
    for (const state of DEMO_ERROR_SIDS) {
      const expected = state.code === 'RATE_LIMITED' ? tries + 2 : state.code !== null && RETRIED.has(state.code) ? tries : 1;
      expect(bySid.get(state.sid), state.sid).toBe(expected);
    }
    // Each timed-out try was given up by the client: the simulator sees its socket close.
    await expect.poll(() => simulator.stats.inFlight, { timeout: 2000, interval: 20 }).toBe(0);
  });

  it.concurrent('answers the slow call as a normal completed call, about a second late', async ({ expect }) => {
    demo.demo.simulator.resetStats();
    const { body, ms } = await post(demo.url, `{ call(sid: "${DEMO_SLOW_SID}") { sid status isFinal } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.call).toEqual({ sid: DEMO_SLOW_SID, status: 'COMPLETED', isFinal: true });
    expect(ms).toBeGreaterThanOrEqual(DEMO_SLOW_DELAY_MS - 50);
    expect(ms).toBeLessThan(DEMO_SLOW_DELAY_MS + 1000);
    expect(demo.demo.simulator.stats.bySid.get(DEMO_SLOW_SID)).toBe(1);
  });

  it('names each error sid with its code in the start-up banner, the demo timeout, and the slow sid', () => {
    const banner = demo.demo.banner.join('\n');
    for (const state of DEMO_ERROR_SIDS) {
      expect(banner).toMatch(new RegExp(`^\\s+${state.sid}\\s+${state.code ?? 'null, no error'}\\s+\\S`, 'm'));
    }
    expect(banner).toContain(`upstream timeout 1.5 s per try in demo mode`);
    expect(banner).toContain(DEMO_SLOW_SID);
  });
});

describe('demo mode per-try timeout', () => {
  it('keeps UPSTREAM_TIMEOUT_MS when it is set, and says so in the banner', async () => {
    const config = { ...loadConfig({ UPSTREAM_TIMEOUT_MS: '700' }), host: '127.0.0.1', port: 0 };
    expect(config.upstreamTimeoutExplicit).toBe(true);
    const demo = await startDemoUpstream(config);
    try {
      expect(demo.config.upstreamTimeoutMs).toBe(700);
      expect(demo.banner.join('\n')).toContain('upstream timeout 0.7 s per try)');
    } finally {
      await demo.simulator.close();
    }
  });
});

describe('the error states in the simulator', () => {
  it('belong to the demo account and project: other credentials, accounts and projects do not see them; clearFaults keeps them', async () => {
    const sim = await startSimulator();
    try {
      sim.addAccount('other', { apiKeys: ['other-key'] });
      const ask = async (apiKey: string, projectId: string) => {
        const response = await fetch(`${sim.url}/call`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify({ sid: 'demo-error-500', projectId }),
        });
        await response.body?.cancel();
        return response.status;
      };
      sim.clearFaults();
      expect(await ask(DEMO_API_KEY, DEMO_PROJECT_ID)).toBe(500);
      expect(await ask('unknown-key', DEMO_PROJECT_ID)).toBe(401);
      expect(await ask('other-key', DEMO_PROJECT_ID)).toBe(404);
      expect(await ask(DEMO_API_KEY, 'another-project')).toBe(404);
      // They answer no call to read; the slow one does.
      expect(sim.getCall(DEMO_PROJECT_ID, 'demo-error-500')).toBeUndefined();
      expect(sim.getCall(DEMO_PROJECT_ID, DEMO_SLOW_SID)).toMatchObject({ status: 'completed', callSid: DEMO_SLOW_SID });
    } finally {
      await sim.close();
    }
  });

  it('are not seeded without the demo data', async () => {
    const sim = await startSimulator({ seedDemo: false });
    try {
      const response = await fetch(`${sim.url}/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY },
        body: JSON.stringify({ sid: 'demo-error-timeout', projectId: DEMO_PROJECT_ID }),
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(404);
      await response.body?.cancel();
    } finally {
      await sim.close();
    }
  });
});

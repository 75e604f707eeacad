/**
 * Pacing per tenant (governor/upstreamGovernor.ts, tenantPace.ts) against the simulator's
 * per-key rate limit over real HTTP: rows, upstream requests and 429s counted by the
 * simulator; times only as loose bounds (the figures of the table: `npm run
 * bench:governor`). Each test has a stack of its own, so they run at once.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT, DEMO_API_KEY } from '../../../src/simulator/index.js';
import { failedRows, freshCalls, PAGE, type PageData, withStack } from '../../support/governorStack.js';
import { codesOf } from '../../support/stack.js';

describe.concurrent('pacing per tenant', () => {
  it('pages against a 100/s limit that only answers Retry-After: no row fails, at most 1.1 upstream requests a call, 429s under 10 %', async () => {
    // 16 slots: the first burst overshoots by what is in flight when the first 429 comes back,
    // which a 300-call session must not make 10 % of its calls (the bench runs 1,000 calls on 64).
    await withStack({ config: { upstreamConcurrency: 16 }, simulator: { latencyMs: 20, rateLimit: { perSecond: 100, burst: 100 } } }, async (stack) => {
      const calls = 300;
      let failed = 0;
      for (let i = 0; i < calls / 100; i++) failed += failedRows(await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 100) }));
      expect(failed).toBe(0);
      expect(stack.sim.stats.requests).toBeLessThanOrEqual(1.1 * calls);
      expect(stack.sim.stats.rateLimited).toBeLessThan(0.1 * calls);
      // learned from the 429s: the tenant is paced and shows as such (a machine too loaded to
      // reach 100/s draws none, and has nothing to learn)
      expect(stack.server.stats().governor.pacedTenants).toBe(stack.sim.stats.rateLimited > 0 ? 1 : 0);
    });
  });

  it('UPSTREAM_RATE_LIMIT paces from the start: not a single 429', async () => {
    await withStack({ config: { upstreamRateLimit: 40 }, simulator: { rateLimit: { perSecond: 50, burst: 5 } } }, async (stack) => {
      const response = await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 40) });
      expect(failedRows(response)).toBe(0);
      expect(stack.sim.stats.rateLimited).toBe(0);
      expect(stack.sim.stats.requests).toBe(40);
    });
  });

  it('a quota announced in rate-limit headers is paced to before any 429 teaches it', async () => {
    await withStack({ simulator: { latencyMs: 5, rateLimit: { perSecond: 100, burst: 20, headers: true } } }, async (stack) => {
      const first = await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 10) });
      expect(failedRows(first)).toBe(0);
      const page = await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 100) });
      expect(failedRows(page)).toBe(0);
      expect(stack.sim.stats.rateLimited).toBeLessThanOrEqual(5);
    });
  });

  it('another tenant never waits for a throttled one', async ({ expect }) => {
    // A wait budget no loaded machine runs out of: the heavy page is paced, never failed.
    await withStack({ config: { upstreamMaxWaitMs: 60_000 }, simulator: { rateLimit: { perSecond: 20, burst: 20 } } }, async (stack) => {
      const other = { 'x-api-key': 'pace-other-key' };
      stack.sim.addCredentials(DEMO_ACCOUNT, { apiKeys: [other['x-api-key']] });
      const heavy = stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 60) });
      // Throttled: its 429s taught the heavy tenant its pace, and its calls wait for it.
      await expect
        .poll(() => {
          const { governor } = stack.server.stats();
          return governor.pacedTenants === 1 && governor.waiting >= 4;
        }, { timeout: 10_000, interval: 5 })
        .toBe(true);
      const { governor, upstream } = stack.server.stats();
      const backlog = governor.waiting;
      const inFlight = upstream.inFlight;
      const [single] = freshCalls(stack, 1);
      const from = stack.sim.requestLog.length;
      const light = await stack.gql<PageData>(PAGE, { sids: [single as string] }, other);
      expect(failedRows(light)).toBe(0);
      expect(failedRows(await heavy)).toBe(0);
      // Counted in requests, not ms (a loaded machine stretches those, and the heavy pace with them):
      // behind the heavy tenant, the light call would go after its pause and its whole backlog; on
      // its own, at once, so before all but the few heavy requests its way through the server lasts.
      const log = stack.sim.requestLog.slice(from);
      const index = log.findIndex((entry) => entry.sid === single);
      expect(index).toBeGreaterThanOrEqual(0);
      const heavyBefore = log.slice(0, index).filter((entry) => entry.apiKey === DEMO_API_KEY).length;
      expect(heavyBefore).toBeLessThan(inFlight + backlog / 2);
    });
  });

  it('round-robin between the operations of one tenant: a second client\'s single call is not stuck behind a page', async () => {
    await withStack({ config: { upstreamRateLimit: 10 } }, async (stack) => {
      const page = stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 30) });
      try {
        await expect.poll(() => stack.sim.stats.requests, { timeout: 5000 }).toBeGreaterThan(0);
        const [sid] = freshCalls(stack, 1);
        const from = stack.sim.requestLog.length;
        const single = await stack.gql<PageData>(PAGE, { sids: [sid as string] });
        expect(failedRows(single)).toBe(0);
        // Counted in sends, not ms: served in turn with the page, it goes after one or two of the
        // page's calls, not after the 20-odd the page still has to send.
        const log = stack.sim.requestLog.slice(from);
        const index = log.findIndex((entry) => entry.sid === sid);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThanOrEqual(3);
      } finally {
        expect(failedRows(await page)).toBe(0);
      }
    });
  });

  it('a junk x-api-key beside a valid Authorization escapes nothing: the Authorization value paces them all', async () => {
    await withStack({ config: { upstreamRateLimit: 10 } }, async (stack) => {
      const sids = freshCalls(stack, 20);
      const started = Date.now();
      const answers = await Promise.all(
        sids.map((sid, i) => stack.gql<PageData>(PAGE, { sids: [sid] }, { authorization: 'Bearer demo-token', 'x-api-key': `junk-${i}` })),
      );
      // the simulator lets the valid Authorization in; each was sent only at the shared pace
      for (const answer of answers) expect(codesOf(answer)).toEqual([]);
      const times = stack.sim.requestLog.map((entry) => entry.at - started).sort((a, b) => a - b);
      expect(times).toHaveLength(20);
      expect(times[19]).toBeGreaterThanOrEqual(1700);
    });
  });
});

describe.concurrent('what waits for pace, and for how long', () => {
  it('UPSTREAM_MAX_WAIT_MS: a call that cannot be sent within it fails RATE_LIMITED unsent, with retryAfterMs', async () => {
    await withStack({ config: { upstreamRateLimit: 5, upstreamMaxWaitMs: 500 } }, async (stack) => {
      const sids = freshCalls(stack, 20);
      const response = await stack.gql<PageData>(PAGE, { sids });
      const answered = 20 - failedRows(response);
      expect(answered).toBeGreaterThanOrEqual(2);
      expect(answered).toBeLessThanOrEqual(4);
      expect(stack.sim.stats.requests).toBe(answered);
      const refused = response.body.errors ?? [];
      expect(refused).toHaveLength(20 - answered);
      for (const error of refused) {
        expect(error.extensions?.code).toBe('RATE_LIMITED');
        expect(error.extensions?.['retryAfterMs']).toBeGreaterThan(0);
      }
      expect(stack.server.stats().governor.refused.wait).toBe(20 - answered);
    });
  });

  it('MAX_WAITING_CALLS_PER_TENANT: past it, TOO_MANY_REQUESTS at once, nothing sent for them', async () => {
    await withStack({ config: { upstreamRateLimit: 20, maxWaitingCallsPerTenant: 5 } }, async (stack) => {
      const response = await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 40) });
      const codes = codesOf(response);
      expect(codes.filter((code) => code === 'TOO_MANY_REQUESTS')).toHaveLength(40 - 6);
      expect(40 - failedRows(response)).toBe(6);
      expect(stack.sim.stats.requests).toBe(6);
      expect(response.body.errors?.[0]?.extensions?.['retryAfterMs']).toBeGreaterThan(0);
    });
  });

  it('a client leaving while its calls wait for pace: nothing is sent for them afterwards', async ({ expect }) => {
    await withStack({ config: { upstreamRateLimit: 5 } }, async (stack) => {
      const controller = new AbortController();
      const leaving = fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'demo-key' },
        body: JSON.stringify({ query: PAGE, variables: { sids: freshCalls(stack, 30) } }),
        signal: controller.signal,
      }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      await leaving;
      // Nothing waits for pace or a slot, nor is in flight. The tries the server made are counted
      // by its own metrics (a try cut short by the client leaving included); the simulator may
      // still be reading one written just before the cut, so its count is bounded by them.
      await expect
        .poll(() => stack.server.stats(), { timeout: 2000, interval: 10 })
        .toMatchObject({ governor: { waiting: 0 }, upstream: { inFlight: 0, waiting: 0 } });
      const tries = async () => {
        const text = await (await fetch(`${stack.url}/metrics`)).text();
        return [...text.matchAll(/^talkstack_upstream_requests_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
      };
      const sent = await tries();
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThanOrEqual(3);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await tries()).toBe(sent);
      expect(stack.sim.stats.requests).toBeLessThanOrEqual(sent);
    });
  });
});

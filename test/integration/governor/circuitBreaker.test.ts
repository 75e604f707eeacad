/**
 * The circuit breaker per tenant (governor/circuitBreaker.ts) against the simulator's outage
 * and hang switches over real HTTP: upstream requests counted by the simulator, pages failing
 * fast with UPSTREAM_UNAVAILABLE while it is open, whole again soon after Talkstack returns;
 * one call that always fails opens nothing; a subscription waits through an outage. Times are
 * loose bounds (the figures: `npm run bench:governor`). Each test has a stack of its own.
 */
import { describe, it } from 'vitest';
import { openSse } from '../../support/sse.js';
import { failedRows, freshCalls, PAGE, type PageData, withStack } from '../../support/governorStack.js';
import { codesOf, type GraphQLResponse, type Stack } from '../../support/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` pages of 20 fresh calls, one every 150 ms, started on schedule (not one after another). */
async function pagesOf(stack: Stack, count: number): Promise<{ ms: number; response: GraphQLResponse<PageData> }[]> {
  const running: Promise<{ ms: number; response: GraphQLResponse<PageData> }>[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(150);
    const at = performance.now();
    running.push(stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 20) }).then((response) => ({ ms: performance.now() - at, response })));
  }
  return Promise.all(running);
}

/** Pages of 20 fresh calls every 150 ms for `ms`, started on schedule (not one after another). */
async function pagesFor(stack: Stack, ms: number): Promise<{ pages: { ms: number; response: GraphQLResponse<PageData> }[]; asked: number }> {
  const running: Promise<{ ms: number; response: GraphQLResponse<PageData> }>[] = [];
  const started = performance.now();
  while (performance.now() - started < ms) {
    const at = performance.now();
    running.push(stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 20) }).then((response) => ({ ms: performance.now() - at, response })));
    await sleep(150);
  }
  const pages = await Promise.all(running);
  return { pages, asked: pages.length * 20 };
}

describe.concurrent('circuit breaker per tenant', () => {
  it('a 503 outage: few upstream requests, pages fail fast with UPSTREAM_UNAVAILABLE and retryAfterMs, whole again soon after', async ({ expect }) => {
    await withStack({ config: { staleIfErrorSeconds: 0 } }, async (stack) => {
      await stack.sim.setOutage(503);
      // One page of 20 calls: 20 failed tries over distinct calls open it (without it, 60 tries: 3 per call).
      const first = await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 20) });
      expect(failedRows(first)).toBe(20);
      await expect.poll(() => stack.server.stats().governor.breakersOpen, { timeout: 5000, interval: 20 }).toBe(1);
      // Judged from the moment it is seen open, however slow the machine was to get there.
      const openedAt = performance.now();
      const requestsAtOpen = stack.sim.stats.requests;
      const inFlightAtOpen = stack.server.stats().upstream.inFlight;
      // The 20 failures that opened it, and at most one try of each other call still in flight then.
      expect(requestsAtOpen).toBeLessThanOrEqual(40);
      // 8 pages (160 calls) asked while it is open: only probes, one a second, reach Talkstack.
      const pages = await pagesOf(stack, 8);
      const probes = Math.ceil((performance.now() - openedAt) / 1000) + 1;
      const requests = stack.sim.stats.requests - requestsAtOpen;
      await stack.sim.setOutage('off');
      expect(requests).toBeLessThanOrEqual(inFlightAtOpen + probes);
      for (const { response } of pages) {
        expect(failedRows(response)).toBe(20);
        expect(new Set(codesOf(response))).toEqual(new Set(['UPSTREAM_UNAVAILABLE']));
        expect(response.body.errors?.[0]?.extensions?.['retryAfterMs']).toBeLessThanOrEqual(1000);
      }
      expect(Math.max(...pages.map((page) => page.ms))).toBeLessThan(500);
      expect(stack.server.stats().governor.breakersOpen).toBe(1);
      // Back: a probe a second closes it.
      const back = performance.now();
      await expect
        .poll(async () => failedRows(await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 5) })), { timeout: 3000, interval: 100 })
        .toBe(0);
      expect(performance.now() - back).toBeLessThan(2000);
      expect(stack.server.stats().governor.breakersOpen).toBe(0);
      const lines = stack.logs.map((line) => JSON.parse(line) as { msg: string; tenant?: string; level: number });
      const opened = lines.filter((line) => line.msg.includes('circuit breaker opened'));
      const closed = lines.filter((line) => line.msg.includes('circuit breaker closed'));
      expect(opened).toHaveLength(1);
      expect(closed).toHaveLength(1);
      expect(opened[0]?.tenant).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(JSON.stringify(opened)).not.toContain('demo-key');
    });
  });

  it('a hang (UPSTREAM_TIMEOUT_MS 300): the slowest page is bounded and few requests are spent', async ({ expect }) => {
    await withStack({ config: { upstreamTimeoutMs: 300, staleIfErrorSeconds: 0 } }, async (stack) => {
      stack.sim.setHang(true);
      const { pages, asked } = await pagesFor(stack, 2000);
      const requests = stack.sim.stats.requests;
      stack.sim.setHang(false);
      expect(requests).toBeLessThanOrEqual(0.35 * asked);
      expect(Math.max(...pages.map((page) => page.ms))).toBeLessThan(1500);
      await expect
        .poll(async () => failedRows(await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 5) })), { timeout: 3000, interval: 100 })
        .toBe(0);
    });
  });

  it('one call that always fails never opens it: the tenant\'s other calls go on', async ({ expect }) => {
    await withStack({ config: { upstreamRetries: 1 } }, async (stack) => {
      const [always] = freshCalls(stack, 1);
      stack.sim.injectFault(always as string, { type: 'status', status: 500 });
      for (let i = 0; i < 15; i++) {
        const response = await stack.gql<PageData>(PAGE, { sids: [always as string, ...freshCalls(stack, 1)] });
        expect(codesOf(response)).toEqual(['UPSTREAM_ERROR']);
      }
      expect(stack.server.stats().governor).toMatchObject({ breakersOpen: 0, refused: { breaker: 0 } });
    });
  });

  it('a subscription waits through an outage (refused polls are no failures) and goes on after it', async ({ expect }) => {
    await withStack({ config: { callPollIntervalMs: 150 } }, async (stack) => {
      const [watched] = freshCalls(stack, 1, { status: 'in-progress' });
      const subscription = await openSse<{ callUpdates: { status: string } }>(
        stack.url,
        'subscription Watch($sid: ID!) { callUpdates(sid: $sid) { status } }',
        { sid: watched },
        { 'x-api-key': 'demo-key' },
      );
      try {
        expect((await subscription.payload(0)).data?.callUpdates.status).toBe('IN_PROGRESS');
        await stack.sim.setOutage(503);
        // Other calls of the tenant open its breaker at once; the subscription's polls are refused meanwhile.
        await stack.gql<PageData>(PAGE, { sids: freshCalls(stack, 30) });
        await expect.poll(() => stack.server.stats().governor.breakersOpen).toBe(1);
        // Over once three of the subscription's polls in a row were refused (three failures would end
        // it), not after a wall time: on a slow machine its probes could fail three times meanwhile.
        const refused = stack.server.stats().governor.refused.breaker;
        await expect.poll(() => stack.server.stats().governor.refused.breaker - refused, { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(3);
        stack.sim.setCall('demo-project', watched as string, { status: 'completed', seconds: 9, cost: 0.2 });
        await stack.sim.setOutage('off');
        const next = await subscription.payload(1, 5000);
        expect(next.errors).toBeUndefined();
        expect(next.data?.callUpdates.status).toBe('COMPLETED');
      } finally {
        subscription.close();
      }
    });
  });
});

/**
 * The process-wide upstream slots under contention (talkstack/scheduler.ts, client.ts),
 * observed at the simulator: at most UPSTREAM_CONCURRENCY requests in flight across every
 * operation and tenant; slots shared fairly between tenants (one api key is one tenant,
 * whatever Authorization comes with it); a retry waits without holding a slot; and queued work
 * whose client has gone (a request, a subscription's first poll, a retry) leaves the queue at
 * once, cheaply. (The scheduler on its own: test/unit/talkstack/scheduler.test.ts; one
 * in-flight request shared by operations: test/integration/fetch/coalescing.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { startStack, type Stack } from '../../support/stack.js';

const PROJECT = DEMO_PROJECT_ID;
const SLOTS = 4;
const LATENCY_MS = 100;
const CALLS = `query Calls($sids: [ID!]!) { calls(sids: $sids) { sid status } }`;
const CALL = `query Call($sid: ID!) { call(sid: $sid) { sid status } }`;

const TENANTS = { heavy: 'heavy-key', light: 'light-key', other: 'other-key' } as const;

let counter = 0;
const sidsFor = (label: string, n: number) => Array.from({ length: n }, () => `CAsched${label}${++counter}`);

function storeCalls(stack: Stack, account: keyof typeof TENANTS, sids: readonly string[]): void {
  for (const sid of sids) stack.sim.setCall(PROJECT, sid, { status: 'completed', seconds: 5, cost: 0.01 }, account);
}

/** POSTs an operation as `tenant`; `signal` lets a test walk away mid-request. */
function post(stack: Stack, tenant: keyof typeof TENANTS, query: string, variables: Record<string, unknown>, signal?: AbortSignal) {
  return fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TENANTS[tenant] },
    body: JSON.stringify({ query, variables }),
    signal,
  });
}

const requestsBy = (stack: Stack, tenant: keyof typeof TENANTS) =>
  stack.sim.requestLog.filter((entry) => entry.apiKey === TENANTS[tenant]).length;

/**
 * How many of `tenant`'s requests reached upstream after `since` (Date.now()) and before `sid`'s
 * first request: how long `sid` waited for a slot, counted in requests rather than in
 * milliseconds (which a loaded machine stretches).
 */
function requestsBefore(stack: Stack, sid: string, tenant: keyof typeof TENANTS, since: number): number {
  const log = stack.sim.requestLog;
  const index = log.findIndex((entry) => entry.sid === sid);
  expect(index).toBeGreaterThanOrEqual(0);
  return log.slice(0, index).filter((entry) => entry.apiKey === TENANTS[tenant] && entry.at >= since).length;
}

/** Waits until nothing is queued, in flight or shared any more. */
async function idle(stack: Stack, timeout = 2000): Promise<void> {
  await vi.waitFor(
    () => {
      expect(stack.server.stats().upstream.waiting).toBe(0);
      expect(stack.server.stats().upstream.inFlight).toBe(0);
      expect(stack.server.stats().fetch.coalescing.inFlight).toBe(0);
      expect(stack.server.stats().fetch.coalescing.waiters).toBe(0);
    },
    { timeout, interval: 10 },
  );
}

let stack: Stack;
beforeAll(async () => {
  // Requests per operation are the point here: the cache of final calls is off (it has its own tests).
  stack = await startStack({ config: { upstreamConcurrency: SLOTS, cacheTtlSeconds: 0 }, simulator: { latencyMs: LATENCY_MS } });
  for (const [name, key] of Object.entries(TENANTS)) stack.sim.addAccount(name, { apiKeys: [key] });
});
afterAll(() => stack.close());
afterEach(async () => {
  stack.sim.clearFaults();
  await idle(stack, 10_000);
  stack.sim.resetStats();
});

describe('fair slots', () => {
  it("one tenant's big page delays another tenant's single call by about one round trip, not by the page", async () => {
    const page = sidsFor('page', 40); // 10 rounds of 4 slots: ~1 s of upstream time
    storeCalls(stack, 'heavy', page);
    const [single] = sidsFor('single', 1) as [string];
    storeCalls(stack, 'light', [single]);

    const started = performance.now();
    const heavy = post(stack, 'heavy', CALLS, { sids: page }).then(async (response) => ({
      body: (await response.json()) as { data: { calls: unknown[] } },
      ms: performance.now() - started,
    }));
    // Let the page fill every slot and queue the rest first.
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBeGreaterThan(20), { timeout: 2000, interval: 5 });
    const lightSent = Date.now();
    const lightStarted = performance.now();
    const light = (await (await post(stack, 'light', CALL, { sid: single })).json()) as { data: { call: { status: string } } };
    const lightMs = performance.now() - lightStarted;
    const { body, ms: heavyMs } = await heavy;

    expect(light.data.call.status).toBe('COMPLETED');
    expect(body.data.calls).toHaveLength(40);
    expect(requestsBy(stack, 'heavy')).toBe(40);
    // Waiting for one slot: while the request reaches the scheduler, a round of the page may
    // go, then its turn comes; first-come first-served would make it wait for the ~20 queued
    // calls of the page (~5 rounds). In time: about one round trip, not the page's.
    expect(requestsBefore(stack, single, 'heavy', lightSent)).toBeLessThanOrEqual(2 * SLOTS);
    expect(lightMs).toBeLessThan(heavyMs / 2);
  });

  it('the slot limit holds across tenants and operations, and every slot is used', async () => {
    const pages = (['heavy', 'light', 'other'] as const).map((tenant) => {
      const sids = sidsFor(tenant, SLOTS);
      storeCalls(stack, tenant, sids);
      return post(stack, tenant, CALLS, { sids }).then((response) => response.json());
    });
    await Promise.all(pages);
    expect(stack.sim.stats.requests).toBe(3 * SLOTS);
    expect(stack.sim.stats.maxInFlight).toBe(SLOTS);
  });
});

describe('retries', () => {
  it('a request waiting to retry does not hold a slot', async () => {
    // Every call's first try gets a 503 with Retry-After: 0.5 s. With 4 slots, 12 calls whose
    // waits held their slots would need 3 rounds of ≥ 0.5 s; released slots let all 12 first
    // tries go out at once, before any retry.
    const sids = sidsFor('retryNoSlot', 3 * SLOTS);
    storeCalls(stack, 'heavy', sids);
    for (const sid of sids) stack.sim.injectFault(sid, { type: 'status', status: 503, headers: { 'retry-after': '0.5' }, times: 1 });
    // Upstream answers at once here: the 0.5 s waits are all the time there is between rounds.
    stack.sim.setLatency(0);
    let body: { errors?: unknown };
    try {
      body = (await (await post(stack, 'heavy', CALLS, { sids })).json()) as { errors?: unknown };
    } finally {
      stack.sim.setLatency(LATENCY_MS);
    }
    expect(body.errors).toBeUndefined();
    const log = stack.sim.requestLog;
    expect(log).toHaveLength(2 * sids.length);
    const firstTries = log.filter((entry) => entry.status === 503);
    const lastFirstTry = Math.max(...firstTries.map((entry) => entry.at));
    const firstRetry = Math.min(...log.filter((entry) => entry.status === 200).map((entry) => entry.at));
    expect(firstTries).toHaveLength(sids.length);
    expect(lastFirstTry).toBeLessThan(firstRetry);
  });
});

describe('work nobody waits for is not done', () => {
  it('a client that goes away takes its queued upstream requests with it', async () => {
    const page = sidsFor('left', 40);
    storeCalls(stack, 'heavy', page);
    const controller = new AbortController();
    const request = post(stack, 'heavy', CALLS, { sids: page }, controller.signal).catch((error: unknown) => error);
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBeGreaterThan(20), { timeout: 2000, interval: 5 });
    controller.abort();
    await request;
    await idle(stack);
    // The first round was sent before the client left; nothing queued was.
    expect(requestsBy(stack, 'heavy')).toBeLessThanOrEqual(2 * SLOTS);

    // And the slots are free for the next tenant at once (idle: none held, nobody queued), and
    // nothing of the page that was left goes upstream meanwhile.
    const sent = requestsBy(stack, 'heavy');
    const [sid] = sidsFor('after', 1) as [string];
    storeCalls(stack, 'light', [sid]);
    const answer = (await (await post(stack, 'light', CALL, { sid })).json()) as { data: { call: { status: string } } };
    expect(answer.data.call.status).toBe('COMPLETED');
    expect(requestsBy(stack, 'heavy')).toBe(sent);
  });

  it('a request that left while waiting to retry does not retry', async () => {
    const [sid] = sidsFor('retry', 1) as [string];
    storeCalls(stack, 'heavy', [sid]);
    stack.sim.injectFault(sid, { type: 'status', status: 503, headers: { 'retry-after': '5' } });
    const controller = new AbortController();
    const request = post(stack, 'heavy', CALL, { sid }, controller.signal).catch((error: unknown) => error);
    await vi.waitFor(() => expect(stack.sim.stats.bySid.get(sid)).toBe(1), { timeout: 2000, interval: 5 });
    controller.abort();
    await request;
    // Well before the 5 s Retry-After would have sent the retry, nothing is left to do.
    await idle(stack, 1000);
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
  });
});

describe('work nobody waits for is not done: subscriptions', () => {
  it('closed subscriptions take their queued polls with them', async () => {
    // Four hanging calls hold every slot (until their client leaves); twenty subscriptions then
    // queue their first poll.
    const held = sidsFor('held', SLOTS);
    storeCalls(stack, 'heavy', held);
    for (const sid of held) stack.sim.injectFault(sid, { type: 'hang' });
    const holder = new AbortController();
    const holding = post(stack, 'heavy', CALLS, { sids: held }, holder.signal).catch((error: unknown) => error);
    await vi.waitFor(() => expect(stack.server.stats().upstream.inFlight).toBe(SLOTS), { timeout: 2000, interval: 5 });

    const watched = sidsFor('watched', 20);
    for (const sid of watched) stack.sim.setCall(PROJECT, sid, { status: 'ringing' }, 'light');
    const subscriptions = watched.map(() => new AbortController());
    const streams = watched.map((sid, i) =>
      fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': TENANTS.light },
        body: JSON.stringify({ query: 'subscription W($sid: ID!) { callUpdates(sid: $sid) { status } }', variables: { sid } }),
        signal: subscriptions[i]?.signal,
      }).catch((error: unknown) => error),
    );
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBe(20), { timeout: 5000, interval: 5 });
    for (const subscription of subscriptions) subscription.abort();
    await Promise.all(streams);
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBe(0), { timeout: 2000, interval: 5 });
    expect(stack.server.stats().upstream.inFlight).toBe(SLOTS);
    holder.abort();
    await holding;
    await idle(stack);
    expect(watched.map((sid) => stack.sim.stats.bySid.get(sid) ?? 0)).toEqual(watched.map(() => 0));
  });
});

describe('fair slots: who is a tenant', () => {
  it('one api key sent with a different junk Authorization per request is still one tenant', async () => {
    // The heavy tenant splits its page over 8 requests, each with its own Authorization.
    const pages = Array.from({ length: 8 }, (_, i) => sidsFor(`junk${i}`, 3));
    for (const page of pages) storeCalls(stack, 'heavy', page);
    const heavy = pages.map((sids, i) =>
      fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TENANTS.heavy, authorization: `Bearer junk-${i}` },
        body: JSON.stringify({ query: CALLS, variables: { sids } }),
      }).then((response) => response.json()),
    );
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBeGreaterThan(12), { timeout: 2000, interval: 5 });
    expect(stack.server.stats().upstream.waitingTenants).toBe(1);
    const [sid] = sidsFor('fairJunk', 1) as [string];
    storeCalls(stack, 'light', [sid]);
    const lightSent = Date.now();
    await (await post(stack, 'light', CALL, { sid })).json();
    await Promise.all(heavy);
    // As in 'fair slots': about one round of the heavy tenant before the light call, not its whole queue.
    expect(requestsBefore(stack, sid, 'heavy', lightSent)).toBeLessThanOrEqual(2 * SLOTS);
  });

  it('cancelling a big queued page costs little CPU (no error is built for a client that left)', async () => {
    const page = sidsFor('cheapCancel', 400);
    storeCalls(stack, 'heavy', page);
    const controller = new AbortController();
    const request = post(stack, 'heavy', CALLS, { sids: page }, controller.signal).catch((error: unknown) => error);
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBe(400 - SLOTS), { timeout: 2000, interval: 5 });
    const cpu = process.cpuUsage();
    controller.abort();
    await request;
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBe(0), { timeout: 2000, interval: 2 });
    const used = process.cpuUsage(cpu);
    // Measured ≈ 15 ms; building 400 located GraphQL errors with stacks for it took ≈ 120 ms.
    expect((used.user + used.system) / 1000).toBeLessThan(60);
  });
});

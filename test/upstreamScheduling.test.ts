/**
 * The upstream path under contention, observed at the simulator: slots shared fairly between
 * tenants, work dropped when its client has gone (unless another operation awaits the same
 * call), and concurrent operations of one credential sharing one in-flight request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_PROJECT_ID } from '../src/simulator/index.js';
import { startStack, type Stack } from './support/stack.js';

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
    const lightStarted = performance.now();
    const light = (await (await post(stack, 'light', CALL, { sid: single })).json()) as { data: { call: { status: string } } };
    const lightMs = performance.now() - lightStarted;
    const { body, ms: heavyMs } = await heavy;

    expect(light.data.call.status).toBe('COMPLETED');
    expect(body.data.calls).toHaveLength(40);
    expect(requestsBy(stack, 'heavy')).toBe(40);
    // Waiting for one slot (≤ one round trip) plus its own round trip; first-come
    // first-served would make it wait for the ~30 queued calls of the page (~800 ms).
    expect(lightMs).toBeLessThan(3 * LATENCY_MS);
    expect(lightMs).toBeLessThan(heavyMs / 2);
  });

  it('the slot limit holds across tenants', async () => {
    const pages = (['heavy', 'light', 'other'] as const).map((tenant) => {
      const sids = sidsFor(tenant, 10);
      storeCalls(stack, tenant, sids);
      return post(stack, tenant, CALLS, { sids }).then((response) => response.json());
    });
    await Promise.all(pages);
    expect(stack.sim.stats.requests).toBe(30);
    expect(stack.sim.stats.maxInFlight).toBe(SLOTS);
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

    // And the slots are free for the next tenant at once.
    const [sid] = sidsFor('after', 1) as [string];
    storeCalls(stack, 'light', [sid]);
    const started = performance.now();
    await (await post(stack, 'light', CALL, { sid })).json();
    expect(performance.now() - started).toBeLessThan(3 * LATENCY_MS);
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

  it('a call another operation still awaits is fetched anyway, once, for both', async () => {
    const [sid] = sidsFor('kept', 1) as [string];
    storeCalls(stack, 'heavy', [sid]);
    stack.sim.injectFault(sid, { type: 'delay', ms: 300 });
    const leaving = new AbortController();
    const left = post(stack, 'heavy', CALL, { sid }, leaving.signal).catch((error: unknown) => error);
    await vi.waitFor(() => expect(stack.server.stats().fetch.coalescing.inFlight).toBe(1), { timeout: 2000, interval: 5 });
    const staying = post(stack, 'heavy', CALL, { sid }).then((response) => response.json());
    await vi.waitFor(() => expect(stack.server.stats().fetch.coalescing.waiters).toBe(2), { timeout: 2000, interval: 5 });
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
    leaving.abort();
    await left;
    const body = (await staying) as { data: { call: { sid: string; status: string } } };
    expect(body.data.call).toEqual({ sid, status: 'COMPLETED' });
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
  });
});

describe('work nobody waits for is not done: subscriptions', () => {
  it('closed subscriptions take their queued polls with them', async () => {
    // Four slow calls hold every slot; twenty subscriptions then queue their first poll.
    const held = sidsFor('held', SLOTS);
    storeCalls(stack, 'heavy', held);
    for (const sid of held) stack.sim.injectFault(sid, { type: 'delay', ms: 400 });
    const holding = post(stack, 'heavy', CALLS, { sids: held }).then((response) => response.json());
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
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBe(20), { timeout: 2000, interval: 5 });
    for (const subscription of subscriptions) subscription.abort();
    await Promise.all(streams);
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBe(0), { timeout: 2000, interval: 5 });
    await holding;
    await idle(stack);
    expect(watched.map((sid) => stack.sim.stats.bySid.get(sid) ?? 0)).toEqual(watched.map(() => 0));
  });
});

describe('fair slots: who is a tenant', () => {
  it('one api key sent with a different junk Authorization per request is still one tenant', async () => {
    // The heavy tenant splits its page over 8 requests, each with its own Authorization.
    const pages = Array.from({ length: 8 }, (_, i) => sidsFor(`junk${i}`, 5));
    for (const page of pages) storeCalls(stack, 'heavy', page);
    const heavy = pages.map((sids, i) =>
      fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TENANTS.heavy, authorization: `Bearer junk-${i}` },
        body: JSON.stringify({ query: CALLS, variables: { sids } }),
      }).then((response) => response.json()),
    );
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBeGreaterThan(20), { timeout: 2000, interval: 5 });
    expect(stack.server.stats().upstream.waitingTenants).toBe(1);
    const [sid] = sidsFor('fairJunk', 1) as [string];
    storeCalls(stack, 'light', [sid]);
    const started = performance.now();
    await (await post(stack, 'light', CALL, { sid })).json();
    expect(performance.now() - started).toBeLessThan(3 * LATENCY_MS);
    await Promise.all(heavy);
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

describe('shared in-flight requests', () => {
  it('concurrent operations of one credential share one upstream request per call', async () => {
    const [sid] = sidsFor('shared', 1) as [string];
    storeCalls(stack, 'heavy', [sid]);
    const bodies = await Promise.all(
      Array.from({ length: 10 }, () => post(stack, 'heavy', CALL, { sid }).then((response) => response.json())),
    );
    for (const body of bodies) expect(body).toEqual({ data: { call: { sid, status: 'COMPLETED' } } });
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
  });

  it('is never shared across credentials, and forgotten once settled (not a cache)', async () => {
    const [sid] = sidsFor('apart', 1) as [string];
    storeCalls(stack, 'heavy', [sid]);
    stack.sim.setCall(PROJECT, sid, { status: 'busy' }, 'light');
    const [heavy, light] = (await Promise.all([
      post(stack, 'heavy', CALL, { sid }).then((response) => response.json()),
      post(stack, 'light', CALL, { sid }).then((response) => response.json()),
    ])) as { data: { call: { status: string } } }[];
    expect(heavy?.data.call.status).toBe('COMPLETED');
    expect(light?.data.call.status).toBe('BUSY');
    expect(stack.sim.stats.bySid.get(sid)).toBe(2);

    await (await post(stack, 'heavy', CALL, { sid })).json();
    expect(stack.sim.stats.bySid.get(sid)).toBe(3);
  });
});

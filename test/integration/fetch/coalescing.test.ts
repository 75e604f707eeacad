/**
 * Coalescing across operations (fetch/coalescing.ts) over real HTTP, counted at the simulator:
 * concurrent operations of one credential share one in-flight upstream request per call, never
 * across credentials, and forget it once it settles (not a cache); an operation whose client
 * leaves does not cancel a fetch another operation still waits for. The cache of final calls is
 * off, so every count is upstream work. (The layer on its own: test/unit/fetch/coalescing.test.ts;
 * queued work nobody waits for: test/integration/talkstack/scheduling.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { startStack, type Stack } from '../../support/stack.js';

const LATENCY_MS = 100;
const CALL = `query Call($sid: ID!) { call(sid: $sid) { sid status } }`;
const TENANTS = { heavy: 'heavy-key', light: 'light-key' } as const;

let counter = 0;
const newSid = (label: string) => `CAcoal${label}${++counter}`;

/** POSTs `call(sid)` as `tenant`; `signal` lets a test walk away mid-request. */
function post(stack: Stack, tenant: keyof typeof TENANTS, sid: string, signal?: AbortSignal) {
  return fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TENANTS[tenant] },
    body: JSON.stringify({ query: CALL, variables: { sid } }),
    signal,
  });
}

const json = (response: Promise<Response>) => response.then((r) => r.json() as Promise<{ data: { call: { sid: string; status: string } } }>);

describe('one in-flight upstream request per call and credential', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Requests per operation are the point here: the cache of final calls is off (it has its own tests).
    stack = await startStack({ config: { cacheTtlSeconds: 0 }, simulator: { latencyMs: LATENCY_MS } });
    for (const [name, key] of Object.entries(TENANTS)) stack.sim.addAccount(name, { apiKeys: [key] });
  });
  afterAll(() => stack.close());
  afterEach(async () => {
    await vi.waitFor(() => expect(stack.server.stats().fetch.coalescing).toMatchObject({ inFlight: 0, waiters: 0 }), { timeout: 2000, interval: 10 });
  });

  it('concurrent operations of one credential share one upstream request per call', async () => {
    const sid = newSid('shared');
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 5, cost: 0.01 }, 'heavy');
    const bodies = await Promise.all(Array.from({ length: 10 }, () => json(post(stack, 'heavy', sid))));
    for (const body of bodies) expect(body).toEqual({ data: { call: { sid, status: 'COMPLETED' } } });
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
  });

  it('is never shared across credentials, and forgotten once settled (not a cache)', async () => {
    const sid = newSid('apart');
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 5, cost: 0.01 }, 'heavy');
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy' }, 'light');
    const [heavy, light] = await Promise.all([json(post(stack, 'heavy', sid)), json(post(stack, 'light', sid))]);
    expect(heavy.data.call.status).toBe('COMPLETED');
    expect(light.data.call.status).toBe('BUSY');
    expect(stack.sim.stats.bySid.get(sid)).toBe(2);

    await json(post(stack, 'heavy', sid));
    expect(stack.sim.stats.bySid.get(sid)).toBe(3);
  });

  it('a call another operation still awaits is fetched anyway, once, for both', async () => {
    const sid = newSid('kept');
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 5, cost: 0.01 }, 'heavy');
    stack.sim.injectFault(sid, { type: 'delay', ms: 300 });
    const leaving = new AbortController();
    const left = post(stack, 'heavy', sid, leaving.signal).catch((error: unknown) => error);
    await vi.waitFor(() => expect(stack.server.stats().fetch.coalescing.inFlight).toBe(1), { timeout: 2000, interval: 5 });
    const staying = json(post(stack, 'heavy', sid));
    await vi.waitFor(() => expect(stack.server.stats().fetch.coalescing.waiters).toBe(2), { timeout: 2000, interval: 5 });
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
    leaving.abort();
    await left;
    expect((await staying).data.call).toEqual({ sid, status: 'COMPLETED' });
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
  });
});

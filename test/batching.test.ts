/**
 * Fewest upstream requests: one per distinct call per operation, whatever mix of `call`,
 * `calls` and aliases asks for it; in parallel, within UPSTREAM_CONCURRENCY.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CALLS, DEMO_PROJECT_ID } from '../src/simulator/index.js';
import { CallsDocument, CallStatusesDocument } from './generated/operations.js';
import { codesOf, startStack, type Stack } from './support/stack.js';

const demoSids = DEMO_CALLS.map((call) => call.sid);

describe('batching and deduplication', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Requests per operation are the point here: the cache of final calls is off (it has its own tests).
    stack = await startStack({ config: { cacheTtlSeconds: 0 } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sim.resetStats());

  it('40 sids with 25 distinct cost exactly 25 upstream requests, answered in input order', async () => {
    const distinct = demoSids.slice(0, 25);
    const sids = [...distinct, ...distinct.slice(0, 15).reverse()];
    expect(sids).toHaveLength(40);

    const response = await stack.gql(CallStatusesDocument, { sids });

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.calls.map((call) => call?.sid)).toEqual(sids);
    expect(stack.sim.stats.requests).toBe(25);
    expect([...stack.sim.stats.bySid.values()].every((count) => count === 1)).toBe(true);
  });

  it('aliases, call and calls asking for the same calls share one request per call', async () => {
    const [a, b, c] = demoSids;
    const response = await stack.gql(
      `query ($a: ID!, $b: ID!, $c: ID!) {
        first: call(sid: $a) { sid status }
        again: call(sid: $a) { durationSeconds }
        other: call(sid: $b, projectId: "${DEMO_PROJECT_ID}") { sid }
        page: calls(sids: [$a, $b, $c, $c]) { sid }
        page2: calls(sids: [$c]) { cost }
      }`,
      { a, b, c },
    );
    expect(response.body.errors).toBeUndefined();
    expect(stack.sim.stats.requests).toBe(3);
  });

  it('with CACHE_TTL_SECONDS=0 nothing is shared across operations: each operation fetches again', async () => {
    const sids = demoSids.slice(0, 3);
    await stack.gql(CallStatusesDocument, { sids });
    await stack.gql(CallStatusesDocument, { sids });
    expect(stack.sim.stats.requests).toBe(6);
  });

  it('the same sid in two projects is two calls', async () => {
    stack.sim.setCall('other-project', 'CAsame', { status: 'busy' });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAsame', { status: 'voicemail' });
    const response = await stack.gql<{ x: { status: string }; y: { status: string } }>(
      `{ x: call(sid: "CAsame", projectId: "other-project") { status }
         y: call(sid: "CAsame") { status } }`,
    );
    expect(response.body.data).toEqual({ x: { status: 'BUSY' }, y: { status: 'VOICEMAIL' } });
    expect(stack.sim.stats.requests).toBe(2);
  });

  it('each entry resolves on its own: a slow call does not hold up errors or data of the others', async () => {
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAfast', { status: 'completed' });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAslow', { status: 'completed' });
    stack.sim.injectFault('CAslow', { type: 'delay', ms: 300 });
    stack.sim.injectFault('CAbroken', { type: 'status', status: 403 });
    const response = await stack.gql(CallsDocument, { sids: ['CAfast', 'CAslow', 'CAbroken', 'CAfast'] });
    expect(response.body.data?.calls.map((call) => call?.sid ?? null)).toEqual(['CAfast', 'CAslow', null, 'CAfast']);
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    expect(response.body.errors?.[0]?.path).toEqual(['calls', 2]);
    stack.sim.clearFaults();
  });
});

describe('UPSTREAM_CONCURRENCY', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { upstreamConcurrency: 4, cacheTtlSeconds: 0 }, simulator: { latencyMs: 30 } });
  });
  afterAll(() => stack.close());

  it('keeps at most 4 upstream requests in flight, and uses all 4', async () => {
    stack.sim.resetStats();
    const response = await stack.gql(CallStatusesDocument, { sids: demoSids.slice(0, 20) });
    expect(response.body.errors).toBeUndefined();
    expect(stack.sim.stats.requests).toBe(20);
    expect(stack.sim.stats.maxInFlight).toBe(4);
  });

  it('bounds requests across concurrent operations too (one scheduler per process)', async () => {
    stack.sim.resetStats();
    const pages = [0, 1, 2, 3].map((page) => demoSids.slice(page * 8, page * 8 + 8));
    const responses = await Promise.all(pages.map((sids) => stack.gql(CallStatusesDocument, { sids })));
    for (const response of responses) expect(response.body.errors).toBeUndefined();
    expect(stack.sim.stats.requests).toBe(32);
    expect(stack.sim.stats.maxInFlight).toBe(4);
    expect(stack.server.stats().upstream.inFlight).toBe(0);
    expect(stack.server.stats().upstream.waiting).toBe(0);
  });

  it('a request waiting to retry does not hold a slot', async () => {
    stack.sim.resetStats();
    // Every call's first try gets a 503 with Retry-After: 1 s. With 4 slots, 12 calls whose
    // waits held their slots would need 3 rounds of ≥1 s; released slots let all 12 first
    // tries go out before any retry.
    const sids = demoSids.slice(0, 12);
    for (const sid of sids) stack.sim.injectFault(sid, { type: 'status', status: 503, headers: { 'retry-after': '1' }, times: 1 });
    const response = await stack.gql(CallStatusesDocument, { sids });
    stack.sim.clearFaults();
    expect(response.body.errors).toBeUndefined();
    const log = stack.sim.requestLog;
    expect(log).toHaveLength(24);
    const firstTries = log.filter((entry) => entry.status === 503);
    const lastFirstTry = Math.max(...firstTries.map((entry) => entry.at));
    const firstRetry = Math.min(...log.filter((entry) => entry.status === 200).map((entry) => entry.at));
    expect(firstTries).toHaveLength(12);
    expect(lastFirstTry).toBeLessThan(firstRetry);
  });
});

/**
 * `callUpdates` over GraphQL-over-SSE (Yoga's distinct-connections mode), on real HTTP: the
 * rules of one watched call (subscriptions/watchCalls.ts) as a client sees them: the call now,
 * then each change (of any field), completion after the final state or after
 * CALL_WATCH_MAX_SECONDS, one NOT_FOUND for an unknown call, failed polls retried and three in a
 * row ending it with the last one's code, and malformed arguments refused with no upstream
 * request. The stream is a plain fetch with `accept: text/event-stream`, parsed by
 * `support/sse.ts`; the simulator is driven by the test (`setCall`, faults) and observed through
 * its counters per sid, so the tests that wait on polls run concurrently.
 * (Pollers shared by subscribers, and stopped when they leave: sharedPollers.test.ts; a page of
 * calls: callsUpdates.test.ts; the caps: subscriptionCaps.test.ts.)
 */
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID, type Simulator } from '../../../src/simulator/index.js';
import { CallUpdatesDocument, type CallUpdatesSubscription } from '../../generated/operations.js';
import { openSse, SSE_WAIT_MS, type SseSubscription, waitUntil } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const POLL_MS = 20;

type Subscription = SseSubscription<CallUpdatesSubscription>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const open: Subscription[] = [];

async function subscribe(
  stack: Stack,
  variables: { sid: string; projectId?: string },
  headers: Record<string, string> = { 'x-api-key': DEMO_API_KEY },
): Promise<Subscription> {
  const subscription = await openSse<CallUpdatesSubscription>(stack.url, print(CallUpdatesDocument), variables, headers);
  expect(subscription.response.headers.get('content-type') ?? '').toContain('text/event-stream');
  open.push(subscription);
  return subscription;
}

/** Event `index` of `subscription`, which must be a `next` with data; returns `callUpdates`. */
async function nextCall(subscription: Subscription, index: number): Promise<CallUpdatesSubscription['callUpdates']> {
  const payload = await subscription.payload(index);
  expect(payload.errors, JSON.stringify(payload.errors)).toBeUndefined();
  const call = payload.data?.callUpdates;
  expect(call).toBeTruthy();
  return call as CallUpdatesSubscription['callUpdates'];
}

const polls = (sim: Simulator, sid: string) => sim.stats.bySid.get(sid) ?? 0;

/**
 * Waits (bounded) until the upstream request count for `sid` stops growing: stable over
 * ten poll intervals. Returns whether it did within `attempts` windows.
 */
async function pollingStops(sim: Simulator, sid: string, attempts = 20): Promise<boolean> {
  let previous = polls(sim, sid);
  for (let i = 0; i < attempts; i++) {
    await sleep(POLL_MS * 10);
    const now = polls(sim, sid);
    if (now === previous) return true;
    previous = now;
  }
  return false;
}

const ringing = (sid: string) => ({ status: 'ringing', callSid: sid, from: '+14155550132', to: '+15550100123' });
const completed = (sid: string, seconds = 42) => ({
  status: 'completed',
  callSid: sid,
  from: '+14155550132',
  to: '+15550100123',
  seconds,
  cost: 0.0135,
  date: 'Tue, 30 Jan 2024 13:39:53 +0000',
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { callPollIntervalMs: POLL_MS, upstreamRetries: 0 } });
});
afterAll(async () => {
  for (const subscription of open) subscription.close();
  await stack?.close();
});

describe('callUpdates over SSE: arguments refused before any poll', () => {
  it.each(['bad sid!', '', 'x'.repeat(65), 'CA/../x'])('a malformed sid %j is BAD_USER_INPUT with no upstream request', async (sid) => {
    const { sim } = stack;
    const before = sim.stats.requests;
    const subscription = await subscribe(stack, { sid });
    await subscription.end();
    const nexts = subscription.nextEvents();
    expect(nexts, JSON.stringify(subscription.events)).toHaveLength(1);
    expect((nexts[0]?.errors ?? []).map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(subscription.events.at(-1)?.event).toBe('complete');
    expect(sim.stats.bySid.has(sid)).toBe(false);
    expect(sim.stats.requests).toBe(before);
  });

  it('an empty projectId is BAD_USER_INPUT with no upstream request', async () => {
    const { sim } = stack;
    const sid = 'CAsub_empty_project';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const subscription = await subscribe(stack, { sid, projectId: '' });
    await subscription.end();
    expect((subscription.nextEvents()[0]?.errors ?? []).map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(sim.stats.bySid.has(sid)).toBe(false);
  });
});

describe.concurrent('callUpdates over SSE', () => {
  describe('with CALL_WATCH_MAX_SECONDS', () => {
    let limited: Stack;
    beforeAll(async () => {
      limited = await startStack({ config: { callPollIntervalMs: POLL_MS, callWatchMaxSeconds: 1 } });
    });
    afterAll(async () => {
      await limited?.close();
    });

    it('a call that never finishes: the stream completes on its own after ~1 s', async () => {
      const sid = 'CAsub_never_finishes';
      const { sim } = limited;
      sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
      const started = Date.now();
      const subscription = await subscribe(limited, { sid });
      expect(await nextCall(subscription, 0)).toMatchObject({ status: 'RINGING', isFinal: false });
      await subscription.end(SSE_WAIT_MS);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(3500);
      expect(subscription.error).toBeUndefined();
      expect(subscription.events.map((e) => e.event)).toEqual(['next', 'complete']);
      expect(await pollingStops(sim, sid)).toBe(true);
    });
  });

  it('emits each distinct state in order, then completes after the final one', async () => {
    const sid = 'CAsub_lifecycle';
    const { sim } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'queued', callSid: sid });
    const subscription = await subscribe(stack, { sid });
    expect(subscription.response.status).toBe(200);

    const first = await nextCall(subscription, 0);
    expect(first).toEqual({ sid, status: 'QUEUED', isFinal: false, durationSeconds: null });

    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const second = await nextCall(subscription, 1);
    expect(second).toEqual({ sid, status: 'RINGING', isFinal: false, durationSeconds: null });

    sim.setCall(DEMO_PROJECT_ID, sid, completed(sid, 42.5));
    const third = await nextCall(subscription, 2);
    expect(third).toEqual({ sid, status: 'COMPLETED', isFinal: true, durationSeconds: 42 });

    expect((await subscription.event(3)).event).toBe('complete');
    await subscription.end();
    expect(subscription.error).toBeUndefined();
    expect(subscription.events.map((e) => e.event)).toEqual(['next', 'next', 'next', 'complete']);
    // Completion stops the poller.
    expect(await pollingStops(sim, sid)).toBe(true);
  });

  it('a change of a field other than status is an update too', async () => {
    const sid = 'CAsub_field_change';
    const { sim } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
    const subscription = await subscribe(stack, { sid });
    expect(await nextCall(subscription, 0)).toMatchObject({ status: 'IN_PROGRESS' });
    // Same status, another field changed (not selected by the subscription, still a change of the call).
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid, from: '+14155550132' });
    expect(await nextCall(subscription, 1)).toMatchObject({ status: 'IN_PROGRESS' });
    sim.setCall(DEMO_PROJECT_ID, sid, completed(sid));
    expect(await nextCall(subscription, 2)).toMatchObject({ status: 'COMPLETED', durationSeconds: 42 });
    expect((await subscription.event(3)).event).toBe('complete');
    await subscription.end();
  });

  it('an already final call is emitted once, then the stream completes', async () => {
    const sid = 'CAsub_already_final';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy', callSid: sid, seconds: 0 });
    const subscription = await subscribe(stack, { sid });
    expect(await nextCall(subscription, 0)).toEqual({ sid, status: 'BUSY', isFinal: true, durationSeconds: 0 });
    expect((await subscription.event(1)).event).toBe('complete');
    await subscription.end();
    expect(subscription.events).toHaveLength(2);
  });

  it('unchanged polls emit nothing new', async () => {
    const sid = 'CAsub_unchanged';
    const { sim } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const subscription = await subscribe(stack, { sid });
    expect(await nextCall(subscription, 0)).toMatchObject({ status: 'RINGING' });

    const base = polls(sim, sid);
    await waitUntil(() => polls(sim, sid) >= base + 5, 'five more polls');
    // Let any event produced by those polls reach the client before counting.
    await sleep(POLL_MS * 3);
    expect(subscription.events).toHaveLength(1);

    sim.setCall(DEMO_PROJECT_ID, sid, completed(sid));
    expect(await nextCall(subscription, 1)).toMatchObject({ status: 'COMPLETED', isFinal: true, durationSeconds: 42 });
    expect((await subscription.event(2)).event).toBe('complete');
    await subscription.end();
    expect(subscription.events).toHaveLength(3);
  });

  it('an unknown sid gives one NOT_FOUND error, then the stream ends', async () => {
    const sid = 'CAsub_unknown_call';
    const subscription = await subscribe(stack, { sid });
    await subscription.end();
    const nexts = subscription.nextEvents();
    expect(nexts, JSON.stringify(subscription.events)).toHaveLength(1);
    expect((nexts[0]?.errors ?? []).map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(nexts[0]?.data?.callUpdates ?? null).toBeNull();
    expect(subscription.events.at(-1)?.event).toBe('complete');
    expect(subscription.error).toBeUndefined();
    expect(await pollingStops(stack.sim, sid)).toBe(true);
  });

  it('a failed poll is retried at the next interval: two failures in a row do not end it', async () => {
    const sid = 'CAsub_two_failures';
    const { sim } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const subscription = await subscribe(stack, { sid });
    expect(await nextCall(subscription, 0)).toMatchObject({ status: 'RINGING' });

    const fault = sim.injectFault(sid, { type: 'status', status: 500, times: 2 });
    await waitUntil(() => fault.hits === 2, 'both faulted polls happened');
    const afterFaults = polls(sim, sid);
    await waitUntil(() => polls(sim, sid) >= afterFaults + 2, 'polling went on after two failures');
    expect(subscription.events).toHaveLength(1);

    sim.setCall(DEMO_PROJECT_ID, sid, completed(sid));
    expect(await nextCall(subscription, 1)).toMatchObject({ status: 'COMPLETED' });
    expect((await subscription.event(2)).event).toBe('complete');
    await subscription.end();
  });

  it('three failed polls in a row end the subscription with the last failure code', async () => {
    const sid = 'CAsub_three_failures';
    const { sim } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const subscription = await subscribe(stack, { sid });
    expect(await nextCall(subscription, 0)).toMatchObject({ status: 'RINGING' });

    const fault = sim.injectFault(sid, { type: 'status', status: 500 });
    await subscription.end();
    fault.remove();
    const nexts = subscription.nextEvents();
    expect(nexts, JSON.stringify(subscription.events)).toHaveLength(2);
    expect((nexts[1]?.errors ?? []).map((e) => e.extensions?.code)).toEqual(['UPSTREAM_ERROR']);
    expect(subscription.events.at(-1)?.event).toBe('complete');
    expect(fault.hits).toBe(3);
    expect(await pollingStops(sim, sid)).toBe(true);
    expect(fault.hits).toBe(3);
  });

  it('the code is the last failure one (500, 500, then 403 → FORBIDDEN)', async () => {
    const sid = 'CAsub_last_code';
    const { sim } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const subscription = await subscribe(stack, { sid });
    expect(await nextCall(subscription, 0)).toMatchObject({ status: 'RINGING' });

    sim.injectFault(sid, { type: 'status', status: 500, times: 2 });
    sim.injectFault(sid, { type: 'status', status: 403, times: 1 });
    await subscription.end();
    const nexts = subscription.nextEvents();
    expect(nexts, JSON.stringify(subscription.events)).toHaveLength(2);
    expect((nexts[1]?.errors ?? []).map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(subscription.events.at(-1)?.event).toBe('complete');
  });
});

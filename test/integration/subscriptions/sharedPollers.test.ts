/**
 * Shared pollers on one instance (subscriptions/callPollers.ts, no Redis), over SSE on real
 * HTTP: however many subscriptions watch a call with one credential (`callUpdates` and
 * `callsUpdates` alike), upstream sees one poll per CALL_POLL_INTERVAL_MS, on a fixed schedule,
 * and every change reaches every subscriber; a late joiner gets the current call at once with no
 * upstream request; the poller stops when the last subscriber leaves, not before, and a poll
 * then in flight is cancelled upstream while the subscription's lease is released at once.
 * Polls are counted with the simulator's counters; every wait bounded. (The pollers on their
 * own: test/unit/subscriptions/callPollers.test.ts; across instances: redisPollers.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID, type Simulator } from '../../../src/simulator/index.js';
import { openSse, type SseSubscription, waitUntil } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const POLL_MS = 100;
const WATCH = 'subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status } }';
const PAGE = 'subscription Page($sids: [ID!]!) { callsUpdates(sids: $sids) { sid status } }';
type Watch = { callUpdates: { sid: string; status: string } };
const KEY = { 'x-api-key': DEMO_API_KEY };

const polls = (sim: Simulator, sid: string) => sim.stats.bySid.get(sid) ?? 0;
const ringing = (sid: string) => ({ status: 'ringing', callSid: sid });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const opened: SseSubscription<Watch>[] = [];

async function watchMany(stack: Stack, sid: string, count: number): Promise<SseSubscription<Watch>[]> {
  const subscriptions = await Promise.all(Array.from({ length: count }, () => openSse<Watch>(stack.url, WATCH, { sid }, KEY)));
  opened.push(...subscriptions);
  return subscriptions;
}

/** Waits (bounded) until polls of `sid` stop growing over three intervals. */
async function pollingStops(sim: Simulator, sid: string): Promise<boolean> {
  let previous = polls(sim, sid);
  for (let i = 0; i < 20; i++) {
    await sleep(POLL_MS * 3);
    const now = polls(sim, sid);
    if (now === previous) return true;
    previous = now;
  }
  return false;
}

/**
 * Waits for `count` more polls of `sid`: returns polls per interval between the first and the
 * last of them, timed by the simulator's own log (when each poll arrived), not by when this
 * test noticed them.
 */
async function pollsPerInterval(sim: Simulator, sid: string, count: number): Promise<number> {
  const first = polls(sim, sid) + 1;
  await waitUntil(() => polls(sim, sid) >= first + count, `${count} more polls`, POLL_MS * count * 4);
  const times = sim.requestLog.filter((entry) => entry.sid === sid).map((entry) => entry.at);
  const span = times.slice(first - 1, first + count);
  return count / (((span.at(-1) ?? 0) - (span[0] ?? 0)) / POLL_MS);
}

afterAll(() => {
  for (const subscription of opened) subscription.close();
});

describe('shared pollers on one instance', () => {
  let stack: Stack;

  beforeAll(async () => {
    // A long upstream timeout: a hanging poll must not be what ends anything here.
    stack = await startStack({ config: { callPollIntervalMs: POLL_MS, upstreamRetries: 0, upstreamTimeoutMs: 30_000, maxSubscriptionsPerCredential: 200 } });
  });
  afterEach(async () => {
    for (const subscription of opened.splice(0)) subscription.close();
    await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'every subscription was released');
  });
  afterAll(() => stack?.close());

  it('20 subscribers of one live call: one poller, one poll per interval on a fixed schedule, each change to all', async () => {
    const sid = 'CAshared_twenty';
    const { sim, server } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const subscriptions = await watchMany(stack, sid, 20);
    for (const subscription of subscriptions) expect((await subscription.payload(0)).data?.callUpdates).toEqual({ sid, status: 'RINGING' });
    expect(server.stats().pollers.pollers).toBe(1);
    expect(server.stats().pollers.active).toBe(1);
    expect(server.stats().pollers.subscribers).toBe(20);

    const rate = await pollsPerInterval(sim, sid, 10);
    console.log(`[figure] one instance, 20 subscribers of one call: ${rate.toFixed(2)} polls per interval (${POLL_MS} ms)`);
    expect(rate).toBeGreaterThan(0.8);
    expect(rate).toBeLessThanOrEqual(1.1);

    // A fixed schedule: consecutive polls one interval apart, not one interval after each answer.
    const times = sim.requestLog.filter((entry) => entry.sid === sid).map((entry) => entry.at);
    const gaps = times.slice(1).map((at, i) => at - (times[i] as number)).slice(-9);
    const onSchedule = (gap: number) => gap > POLL_MS * 0.6 && gap < POLL_MS * 1.6;
    const median = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)] as number;
    expect(onSchedule(median), `median gap ${median} ms`).toBe(true);
    // One timer late on a loaded machine may stretch one gap; the schedule is in the rest.
    expect(gaps.filter((gap) => !onSchedule(gap)).length, `gaps ${gaps.join(', ')} ms`).toBeLessThanOrEqual(1);

    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
    for (const subscription of subscriptions) expect((await subscription.payload(1)).data?.callUpdates).toEqual({ sid, status: 'IN_PROGRESS' });
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', callSid: sid, seconds: 3, cost: 0.01 });
    for (const subscription of subscriptions) {
      await subscription.end();
      expect(subscription.events.map((e) => e.event)).toEqual(['next', 'next', 'next', 'complete']);
    }
    expect(server.stats().pollers.pollers).toBe(0);
  });

  it('the poller stops when the last subscriber leaves, not before; active goes back to 0', async () => {
    const sid = 'CAshared_leave';
    const { sim, server } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const subscriptions = await watchMany(stack, sid, 5);
    for (const subscription of subscriptions) await subscription.payload(0);

    for (const subscription of subscriptions.slice(0, 4)) subscription.close();
    await waitUntil(() => server.stats().pollers.subscribers === 1, 'four left');
    const base = polls(sim, sid);
    await waitUntil(() => polls(sim, sid) >= base + 3, 'polling goes on for the last one');
    expect(server.stats().pollers.active).toBe(1);

    subscriptions[4]?.close();
    await waitUntil(() => server.stats().pollers.pollers === 0, 'the poller stopped');
    expect(server.stats().pollers.active).toBe(0);
    expect(await pollingStops(sim, sid)).toBe(true);
  });

  it("the last subscriber leaving cancels the poller's in-flight poll upstream and releases its lease at once", async () => {
    const sid = 'CAshared_hang';
    const { sim, server } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const fault = sim.injectFault(sid, { type: 'hang' });
    try {
      const [subscription] = await watchMany(stack, sid, 1);
      await waitUntil(() => fault.hits === 1 && sim.stats.inFlight === 1, 'the poll hangs upstream');
      expect(server.stats().subscriptions.open).toBe(1);
      subscription?.close();
      await waitUntil(() => server.stats().subscriptions.open === 0, 'the lease was released', 1000);
      // The upstream request is aborted (long before the 30 s timeout): the simulator sees its client go.
      await waitUntil(() => sim.stats.inFlight === 0, 'the hanging poll was cancelled', 2000);
      expect(server.stats().pollers.pollers).toBe(0);
      expect(server.stats().fetch.coalescing.inFlight).toBe(0);
    } finally {
      fault.remove();
    }
  });

  it('a callUpdates and a callsUpdates of the same call share one poller', async () => {
    const sid = 'CAshared_page';
    const { sim, server } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [one] = (await watchMany(stack, sid, 1)) as [SseSubscription<Watch>];
    const page = await openSse<{ callsUpdates: { sid: string; status: string } }>(stack.url, PAGE, { sids: [sid] }, KEY);
    try {
      expect((await one.payload(0)).data?.callUpdates).toEqual({ sid, status: 'RINGING' });
      expect((await page.payload(0)).data?.callsUpdates).toEqual({ sid, status: 'RINGING' });
      expect(server.stats().pollers.pollers).toBe(1);
      expect(server.stats().pollers.subscribers).toBe(2);
      expect(server.stats().subscriptions.open).toBe(2);
      const base = polls(sim, sid);
      const started = performance.now();
      await waitUntil(() => polls(sim, sid) >= base + 5, 'five more polls');
      expect(polls(sim, sid) - base).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / POLL_MS) + 1);
      sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', callSid: sid, seconds: 3, cost: 0.01 });
      await one.end();
      await page.end();
      expect(one.nextEvents().at(-1)?.data?.callUpdates).toEqual({ sid, status: 'COMPLETED' });
      expect(page.nextEvents().at(-1)?.data?.callsUpdates).toEqual({ sid, status: 'COMPLETED' });
    } finally {
      page.close();
    }
  });
});

describe('a late joiner', () => {
  // A long interval: any extra upstream request would show before the next scheduled poll.
  const LONG_POLL_MS = 5000;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ config: { callPollIntervalMs: LONG_POLL_MS } });
  });
  afterAll(async () => {
    for (const subscription of opened.splice(0)) subscription.close();
    await stack?.close();
  });

  it('gets the current call at once, without an upstream request, then each change', async () => {
    const sid = 'CAshared_late';
    const { sim } = stack;
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [first] = await watchMany(stack, sid, 1);
    expect((await first?.payload(0))?.data?.callUpdates).toEqual({ sid, status: 'RINGING' });
    expect(polls(sim, sid)).toBe(1);

    const started = performance.now();
    const [late] = await watchMany(stack, sid, 1);
    expect((await late?.payload(0, 1000))?.data?.callUpdates).toEqual({ sid, status: 'RINGING' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(polls(sim, sid)).toBe(1);
    expect(stack.server.stats().pollers.subscribers).toBe(2);
  });
});

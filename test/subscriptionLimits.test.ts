/**
 * The caps on open subscriptions (MAX_SUBSCRIPTIONS_PER_CREDENTIAL,
 * MAX_WATCHED_CALLS_PER_CREDENTIAL, MAX_SUBSCRIPTIONS) over SSE on real HTTP, the lease
 * that every subscription holds until its stream ends however it ends, and `completeAll`.
 * Limits are tiny so the tests stay fast; every wait is bounded.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TooManySubscriptionsError } from '../src/errors.js';
import { leasedStream } from '../src/subscriptions/leasedStream.js';
import { SubscriptionRegistry, type SubscriptionLease } from '../src/subscriptions/subscriptionRegistry.js';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID, type Simulator } from '../src/simulator/index.js';
import { makeCredential } from '../src/talkstack/credentials.js';
import { openSse, type SseSubscription, waitUntil } from './support/sse.js';
import { startStack, type Stack } from './support/stack.js';

const POLL_MS = 25;
const SUBSCRIPTION = 'subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status } }';

type Watch = { callUpdates: { sid: string; status: string } };

const KEY = { 'x-api-key': DEMO_API_KEY };
const BEARER = { authorization: `Bearer ${DEMO_BEARER_TOKEN}` };
const KEY_ID = makeCredential(undefined, DEMO_API_KEY)?.tenant as string;

const ringing = (sid: string) => ({ status: 'ringing', callSid: sid });
const polls = (sim: Simulator, sid: string) => sim.stats.bySid.get(sid) ?? 0;

/** Every subscription a test opens, closed after it. */
const opened: SseSubscription<Watch>[] = [];

async function watch(stack: Stack, sid: string, headers: Record<string, string> = KEY): Promise<SseSubscription<Watch>> {
  const subscription = await openSse<Watch>(stack.url, SUBSCRIPTION, { sid }, headers);
  opened.push(subscription);
  return subscription;
}

/** A ringing call watched: its first event is the call, no error. */
async function expectAccepted(subscription: SseSubscription<Watch>, sid: string): Promise<void> {
  const first = await subscription.payload(0);
  expect(first.errors, JSON.stringify(first.errors)).toBeUndefined();
  expect(first.data?.callUpdates).toEqual({ sid, status: 'RINGING' });
}

/** Refused: HTTP 200, one event carrying TOO_MANY_SUBSCRIPTIONS, then the stream completes. */
async function expectRefused(subscription: SseSubscription<Watch>, setting: string): Promise<void> {
  expect(subscription.response.status).toBe(200);
  await subscription.end();
  expect(subscription.error).toBeUndefined();
  expect(subscription.events.map((e) => e.event)).toEqual(['next', 'complete']);
  const errors = subscription.nextEvents()[0]?.errors ?? [];
  expect(errors.map((e) => e.extensions?.code)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
  expect(errors[0]?.message).toContain(setting);
}

async function closeAll(stack: Stack): Promise<void> {
  for (const subscription of opened.splice(0)) subscription.close();
  await waitUntil(() => stack.server.subscriptions.open === 0, 'every subscription was released');
}

/** Opens a subscription per sid (ringing calls), each accepted. */
async function watchRinging(stack: Stack, sids: string[], headers: Record<string, string> = KEY) {
  const subscriptions: SseSubscription<Watch>[] = [];
  for (const sid of sids) {
    stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const subscription = await watch(stack, sid, headers);
    await expectAccepted(subscription, sid);
    subscriptions.push(subscription);
  }
  return subscriptions;
}

afterAll(() => {
  for (const subscription of opened) subscription.close();
});

describe('MAX_SUBSCRIPTIONS_PER_CREDENTIAL over SSE', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ config: { callPollIntervalMs: POLL_MS, maxSubscriptionsPerCredential: 3, maxSubscriptions: 100 } });
  });
  afterEach(() => closeAll(stack));
  afterAll(() => stack?.close());

  it('the limit is open; one more is refused with one event, and costs no upstream request', async () => {
    const [a, b, c] = await watchRinging(stack, ['CAcap_a', 'CAcap_b', 'CAcap_c']);
    expect(stack.server.subscriptions.open).toBe(3);
    expect(stack.server.subscriptions.openFor(KEY_ID)).toBe(3);

    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcap_d', ringing('CAcap_d'));
    await expectRefused(await watch(stack, 'CAcap_d'), 'MAX_SUBSCRIPTIONS_PER_CREDENTIAL');
    expect(polls(stack.sim, 'CAcap_d')).toBe(0);
    // The refusal took no slot, and the others go on.
    expect(stack.server.subscriptions.open).toBe(3);
    for (const subscription of [a, b, c]) expect(subscription?.events.at(-1)?.event).toBe('next');
  });

  it('closing one makes room for a new one', async () => {
    const [first] = await watchRinging(stack, ['CAcap_room_a', 'CAcap_room_b', 'CAcap_room_c']);
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcap_room_d', ringing('CAcap_room_d'));
    await expectRefused(await watch(stack, 'CAcap_room_d'), 'MAX_SUBSCRIPTIONS_PER_CREDENTIAL');

    first?.close();
    await waitUntil(() => stack.server.subscriptions.open === 2, 'the closed one was released');
    await expectAccepted(await watch(stack, 'CAcap_room_d'), 'CAcap_room_d');
  });

  it('a call that ends gives its slot back too', async () => {
    const [first] = await watchRinging(stack, ['CAcap_final_a', 'CAcap_final_b', 'CAcap_final_c']);
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcap_final_a', { status: 'busy', callSid: 'CAcap_final_a' });
    await first?.end();
    expect(first?.events.map((e) => e.event)).toEqual(['next', 'next', 'complete']);
    expect(stack.server.subscriptions.open).toBe(2);
    await watchRinging(stack, ['CAcap_final_d']);
  });

  it('per credential: another credential still subscribes while this one is full', async () => {
    await watchRinging(stack, ['CAcap_cred_a', 'CAcap_cred_b', 'CAcap_cred_c']);
    await watchRinging(stack, ['CAcap_cred_a', 'CAcap_cred_d'], BEARER);
    expect(stack.server.subscriptions.open).toBe(5);
    expect(stack.server.subscriptions.openFor(KEY_ID)).toBe(3);
  });

  it('one key sent with ever-different junk Authorization values is still one credential', async () => {
    await watchRinging(stack, ['CAcap_junk_a', 'CAcap_junk_b', 'CAcap_junk_c']);
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcap_junk_d', ringing('CAcap_junk_d'));
    const junk = { ...KEY, authorization: 'Bearer junk-1' };
    await expectRefused(await watch(stack, 'CAcap_junk_d', junk), 'MAX_SUBSCRIPTIONS_PER_CREDENTIAL');
    expect(polls(stack.sim, 'CAcap_junk_d')).toBe(0);
  });

  it('a credential Talkstack refuses ends its subscription at the first poll, freeing the slot', async () => {
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcap_junkkey', ringing('CAcap_junkkey'));
    const refused = await watch(stack, 'CAcap_junkkey', { authorization: 'Bearer made-up-token' });
    await refused.end();
    expect(refused.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(refused.nextEvents()[0]?.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(polls(stack.sim, 'CAcap_junkkey')).toBe(1);
    await waitUntil(() => stack.server.subscriptions.open === 0, 'the refused credential holds no slot');
  });

  it('one key asking for many subscriptions polls only the calls of the ones it holds', async () => {
    const held = ['CAcap_flood_0', 'CAcap_flood_1', 'CAcap_flood_2'];
    await watchRinging(stack, held);
    const refused = Array.from({ length: 20 }, (_, i) => `CAcap_flood_x${i}`);
    for (const sid of refused) stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const attempts = await Promise.all(refused.map((sid) => watch(stack, sid)));
    for (const attempt of attempts) await expectRefused(attempt, 'MAX_SUBSCRIPTIONS_PER_CREDENTIAL');

    // Over the next ten polls of a held call, upstream sees only the held calls' polls.
    const before = stack.sim.stats.requests;
    const base = polls(stack.sim, 'CAcap_flood_0');
    await waitUntil(() => polls(stack.sim, 'CAcap_flood_0') >= base + 10, 'ten more polls');
    const made = stack.sim.stats.requests - before;
    expect(made).toBeLessThanOrEqual(held.length * (10 + 2));
    for (const sid of refused) expect(polls(stack.sim, sid), sid).toBe(0);
  });
});

describe('MAX_SUBSCRIPTIONS over SSE', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ config: { callPollIntervalMs: POLL_MS, maxSubscriptionsPerCredential: 2, maxSubscriptions: 3 } });
  });
  afterEach(() => closeAll(stack));
  afterAll(() => stack?.close());

  it('the server-wide cap refuses a credential under its own cap, until a slot frees', async () => {
    const [first] = await watchRinging(stack, ['CAsrv_a', 'CAsrv_b']);
    await watchRinging(stack, ['CAsrv_c'], BEARER);
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAsrv_d', ringing('CAsrv_d'));
    await expectRefused(await watch(stack, 'CAsrv_d', BEARER), 'MAX_SUBSCRIPTIONS');
    expect(polls(stack.sim, 'CAsrv_d')).toBe(0);

    first?.close();
    await waitUntil(() => stack.server.subscriptions.open === 2, 'the closed one was released');
    await expectAccepted(await watch(stack, 'CAsrv_d', BEARER), 'CAsrv_d');
  });
});

describe('MAX_WATCHED_CALLS_PER_CREDENTIAL over SSE', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      config: { callPollIntervalMs: POLL_MS, maxSubscriptionsPerCredential: 10, maxWatchedCallsPerCredential: 2, maxSubscriptions: 100 },
    });
  });
  afterEach(() => closeAll(stack));
  afterAll(() => stack?.close());

  it('distinct calls are counted, not subscriptions: watching a watched call again is fine', async () => {
    const [a1] = await watchRinging(stack, ['CAwat_a', 'CAwat_b']);
    const [a2] = await watchRinging(stack, ['CAwat_a']);
    expect(stack.server.subscriptions.watchedBy(KEY_ID)).toBe(2);
    expect(stack.server.subscriptions.openFor(KEY_ID)).toBe(3);

    stack.sim.setCall(DEMO_PROJECT_ID, 'CAwat_c', ringing('CAwat_c'));
    await expectRefused(await watch(stack, 'CAwat_c'), 'MAX_WATCHED_CALLS_PER_CREDENTIAL');
    expect(polls(stack.sim, 'CAwat_c')).toBe(0);
    // Another credential has its own count.
    await watchRinging(stack, ['CAwat_c'], BEARER);

    // CAwat_a stays watched while one of its two subscriptions is open.
    a1?.close();
    await waitUntil(() => stack.server.subscriptions.openFor(KEY_ID) === 2, 'the first one was released');
    expect(stack.server.subscriptions.watchedBy(KEY_ID)).toBe(2);
    await expectRefused(await watch(stack, 'CAwat_c'), 'MAX_WATCHED_CALLS_PER_CREDENTIAL');
    a2?.close();
    await waitUntil(() => stack.server.subscriptions.watchedBy(KEY_ID) === 1, 'CAwat_a is no longer watched');
    await expectAccepted(await watch(stack, 'CAwat_c'), 'CAwat_c');
  });

  it('one key with a junk Authorization per subscription: each header pair is its own poller, and they count toward the one cap', async () => {
    const withJunk = (i: number) => ({ ...KEY, authorization: `Bearer junk-${i}` });
    const tenant = makeCredential('Bearer junk-0', DEMO_API_KEY)?.tenant as string;
    // The same call under two header pairs: two pollers, the cap (2) reached.
    await watchRinging(stack, ['CAwat_j'], withJunk(0));
    await watchRinging(stack, ['CAwat_j'], withJunk(1));
    expect(stack.server.subscriptions.watchedBy(tenant)).toBe(2);
    for (let i = 2; i < 6; i++) await expectRefused(await watch(stack, 'CAwat_j', withJunk(i)), 'MAX_WATCHED_CALLS_PER_CREDENTIAL');
    expect(stack.server.subscriptions.openFor(tenant)).toBe(2);
    // The header pairs already watching it still may, at no extra poller.
    await watchRinging(stack, ['CAwat_j'], withJunk(1));
    expect(stack.server.subscriptions.watchedBy(tenant)).toBe(2);
  });
});

describe('subscription leases over SSE', () => {
  let stack: Stack;

  beforeAll(async () => {
    // A long upstream timeout: a hanging poll must not be what ends anything here.
    stack = await startStack({ config: { callPollIntervalMs: POLL_MS, upstreamTimeoutMs: 30_000, maxSubscriptionsPerCredential: 10 } });
  });
  afterEach(() => closeAll(stack));
  afterAll(() => stack?.close());

  it('the count goes back to 0 once the clients leave, and polling stops', async () => {
    const sids = ['CAlease_a', 'CAlease_b', 'CAlease_c', 'CAlease_d'];
    const subscriptions = await watchRinging(stack, sids);
    expect(stack.server.subscriptions.open).toBe(4);
    for (const subscription of subscriptions) subscription.close();
    await waitUntil(() => stack.server.subscriptions.open === 0, 'every lease was released');
    expect(stack.server.subscriptions.openFor(KEY_ID)).toBe(0);
    expect(stack.server.subscriptions.watchedBy(KEY_ID)).toBe(0);

    const stopped = sids.map((sid) => polls(stack.sim, sid));
    const marker = 'CAlease_marker';
    await watchRinging(stack, [marker]);
    const base = polls(stack.sim, marker);
    await waitUntil(() => polls(stack.sim, marker) >= base + 5, 'five polls of another call');
    // At most the poll that was in flight when each client left.
    sids.forEach((sid, i) => expect(polls(stack.sim, sid), sid).toBeLessThanOrEqual((stopped[i] ?? 0) + 1));
  });

  it('a client leaving while the first poll hangs upstream is released at once', async () => {
    const sid = 'CAlease_hang';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const fault = stack.sim.injectFault(sid, { type: 'hang' });
    try {
      const subscription = await watch(stack, sid);
      await waitUntil(() => fault.hits === 1, 'the poll reached upstream');
      expect(stack.server.subscriptions.open).toBe(1);
      subscription.close();
      await waitUntil(() => stack.server.subscriptions.open === 0, 'the lease was released', 1000);
    } finally {
      fault.remove();
    }
  });

  it('completeAll completes every open stream normally, even one waiting on upstream', async () => {
    const subscriptions = await watchRinging(stack, ['CAdone_a', 'CAdone_b', 'CAdone_c']);
    const fault = stack.sim.injectFault('CAdone_c', { type: 'hang' });
    try {
      const base = fault.hits;
      await waitUntil(() => fault.hits > base, 'a poll of CAdone_c hangs');

      expect(stack.server.subscriptions.completeAll()).toBe(3);
      expect(stack.server.subscriptions.open).toBe(0);
      for (const subscription of subscriptions) {
        await subscription.end(1000);
        expect(subscription.error).toBeUndefined();
        expect(subscription.events.at(-1)?.event).toBe('complete');
        expect(subscription.nextEvents().flatMap((p) => p.errors ?? [])).toEqual([]);
      }
    } finally {
      fault.remove();
    }
    expect(stack.server.subscriptions.completeAll()).toBe(0);
    // The server goes on taking subscriptions.
    await watchRinging(stack, ['CAdone_after']);
    expect(stack.server.subscriptions.open).toBe(1);
  });
});

describe('SubscriptionRegistry', () => {
  const limits = { perCredential: 2, watchedCallsPerCredential: 3, total: 3 };
  const leaseOf = (granted: SubscriptionLease | TooManySubscriptionsError): SubscriptionLease => {
    if (granted instanceof TooManySubscriptionsError) throw granted;
    return granted;
  };

  it('caps subscriptions per credential and per instance; a refusal takes nothing', () => {
    const registry = new SubscriptionRegistry(limits);
    const a1 = leaseOf(registry.acquire('A', ['c1']));
    leaseOf(registry.acquire('A', ['c2']));
    expect(registry.acquire('A', ['c3'])).toBeInstanceOf(TooManySubscriptionsError);
    expect(registry.watchedBy('A')).toBe(2);
    leaseOf(registry.acquire('B', ['c1']));
    const refused = registry.acquire('B', ['c2']);
    expect(refused).toBeInstanceOf(TooManySubscriptionsError);
    expect((refused as TooManySubscriptionsError).code).toBe('TOO_MANY_SUBSCRIPTIONS');
    expect(registry.open).toBe(3);

    a1.release();
    a1.release();
    expect(registry.open).toBe(2);
    expect(registry.openFor('A')).toBe(1);
    leaseOf(registry.acquire('B', ['c2']));
  });

  it('counts each distinct call once, across a credential’s subscriptions and within one', () => {
    const registry = new SubscriptionRegistry({ ...limits, perCredential: 10, total: 10 });
    const many = leaseOf(registry.acquire('A', ['c1', 'c2', 'c2', 'c1']));
    expect(registry.watchedBy('A')).toBe(2);
    const again = leaseOf(registry.acquire('A', ['c2', 'c3']));
    expect(registry.watchedBy('A')).toBe(3);
    expect(registry.acquire('A', ['c4'])).toBeInstanceOf(TooManySubscriptionsError);
    expect(registry.acquire('A', ['c1', 'c2', 'c3', 'c4'])).toBeInstanceOf(TooManySubscriptionsError);
    leaseOf(registry.acquire('A', ['c1', 'c3']));
    expect(registry.acquire('B', ['c1', 'c2', 'c3', 'c4'])).toBeInstanceOf(TooManySubscriptionsError);

    many.release();
    expect(registry.watchedBy('A')).toBe(3);
    again.release();
    expect(registry.watchedBy('A')).toBe(2);
    leaseOf(registry.acquire('A', ['c4']));
  });

  it('counts open subscriptions per transport, under caps shared by both', () => {
    const registry = new SubscriptionRegistry(limits);
    const sse = leaseOf(registry.acquire('A', ['c1'], 'sse'));
    const ws = leaseOf(registry.acquire('A', ['c2'], 'ws'));
    expect(registry.activeByTransport).toEqual({ sse: 1, ws: 1 });
    // A's third is refused whichever transport it comes by, and counts nowhere.
    expect(registry.acquire('A', ['c3'], 'ws')).toBeInstanceOf(TooManySubscriptionsError);
    expect(registry.activeByTransport).toEqual({ sse: 1, ws: 1 });
    ws.release();
    ws.release();
    expect(registry.activeByTransport).toEqual({ sse: 1, ws: 0 });
    sse.release();
    leaseOf(registry.acquire('B', ['c1']));
    expect(registry.activeByTransport).toEqual({ sse: 1, ws: 0 });
    registry.completeAll();
    expect(registry.activeByTransport).toEqual({ sse: 0, ws: 0 });
  });

  it('completeAll ends every lease and forgets every credential', () => {
    const registry = new SubscriptionRegistry(limits);
    const leases = [leaseOf(registry.acquire('A', ['c1'])), leaseOf(registry.acquire('B', ['c1']))];
    expect(registry.completeAll()).toBe(2);
    expect(leases.every((lease) => lease.signal.aborted)).toBe(true);
    expect([registry.open, registry.openFor('A'), registry.watchedBy('B')]).toEqual([0, 0, 0]);
    for (const lease of leases) lease.release();
    expect(registry.open).toBe(0);
  });
});

describe('leasedStream', () => {
  const registry = () => new SubscriptionRegistry({ perCredential: 10, watchedCallsPerCredential: 10, total: 10 });

  /** A source whose `next()` waits until the test resolves it. */
  function controlledSource() {
    const pending: Array<(result: IteratorResult<number>) => void> = [];
    let returned = 0;
    const source: AsyncIterator<number> = {
      next: () => new Promise((resolve) => pending.push(resolve)),
      return: () => {
        returned++;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
    return { source, pending, returned: () => returned };
  }

  it('releases once when the source completes', async () => {
    const subscriptions = registry();
    const lease = subscriptions.acquire('A', ['c1']) as SubscriptionLease;
    async function* two() {
      yield 1;
      yield 2;
    }
    const stream = leasedStream(two(), lease);
    const seen: number[] = [];
    for await (const value of stream) seen.push(value);
    expect(seen).toEqual([1, 2]);
    expect(subscriptions.open).toBe(0);
  });

  it('releases when the source fails, and passes the error on', async () => {
    const subscriptions = registry();
    const lease = subscriptions.acquire('A', ['c1']) as SubscriptionLease;
    async function* failing(): AsyncGenerator<number> {
      throw new Error('poll failed');
    }
    await expect(leasedStream(failing(), lease).next()).rejects.toThrow('poll failed');
    expect(subscriptions.open).toBe(0);
  });

  it('return() and the client leaving end it at once, even with a next() pending, and never started', async () => {
    const subscriptions = registry();
    const { source, returned } = controlledSource();
    const stream = leasedStream(source, subscriptions.acquire('A', ['c1']) as SubscriptionLease);
    const pending = stream.next();
    await stream.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(subscriptions.open).toBe(0);
    expect(returned()).toBe(1);

    const client = new AbortController();
    const other = controlledSource();
    const neverStarted = leasedStream(other.source, subscriptions.acquire('A', ['c1']) as SubscriptionLease, client.signal);
    expect(subscriptions.open).toBe(1);
    client.abort();
    expect(subscriptions.open).toBe(0);
    expect(await neverStarted.next()).toEqual({ done: true, value: undefined });
  });

  it('completeAll resolves a pending next() as done; a late value from the source is dropped', async () => {
    const subscriptions = registry();
    const { source, pending } = controlledSource();
    const stream = leasedStream(source, subscriptions.acquire('A', ['c1']) as SubscriptionLease);
    const next = stream.next();
    subscriptions.completeAll();
    expect(await next).toEqual({ done: true, value: undefined });
    pending[0]?.({ done: false, value: 7 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});

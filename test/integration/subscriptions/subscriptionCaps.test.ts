/**
 * The caps on open subscriptions (subscriptions/subscriptionRegistry.ts:
 * MAX_SUBSCRIPTIONS_PER_CREDENTIAL, MAX_WATCHED_CALLS_PER_CREDENTIAL, MAX_SUBSCRIPTIONS) over SSE
 * on real HTTP: a refusal is one TOO_MANY_SUBSCRIPTIONS event and costs no upstream request;
 * caps count per paying key (junk Authorization values change nothing), distinct calls rather
 * than subscriptions (a `callsUpdates` is one subscription watching each of its distinct
 * calls), and each header pair's poller; the lease every subscription holds until its stream
 * ends however it ends (client gone, final call, refused credential, draining).
 * Limits are tiny so the tests stay fast; every wait is bounded. (The registry on its own:
 * test/unit/subscriptions/subscriptionRegistry.test.ts and leasedStream.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID, type Simulator } from '../../../src/simulator/index.js';
import { makeCredential } from '../../../src/identity/credential.js';
import { type ExecutionPayload, openSse, type SseSubscription, waitUntil } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const POLL_MS = 25;
const SUBSCRIPTION = 'subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status } }';
const PAGE = 'subscription Page($sids: [ID!]!) { callsUpdates(sids: $sids) { sid status } }';

type Watch = { callUpdates: { sid: string; status: string } };
type Page = { callsUpdates: { sid: string; status: string } };

const KEY = { 'x-api-key': DEMO_API_KEY };
const BEARER = { authorization: `Bearer ${DEMO_BEARER_TOKEN}` };
const KEY_ID = makeCredential(undefined, DEMO_API_KEY)?.tenantId as string;

const ringing = (sid: string) => ({ status: 'ringing', callSid: sid });
const polls = (sim: Simulator, sid: string) => sim.stats.bySid.get(sid) ?? 0;

/** Every subscription a test opens, closed after it. */
const opened: SseSubscription<Watch | Page>[] = [];

async function watch(stack: Stack, sid: string, headers: Record<string, string> = KEY): Promise<SseSubscription<Watch>> {
  const subscription = await openSse<Watch>(stack.url, SUBSCRIPTION, { sid }, headers);
  opened.push(subscription);
  return subscription;
}

async function watchPage(stack: Stack, sids: string[]): Promise<SseSubscription<Page>> {
  const subscription = await openSse<Page>(stack.url, PAGE, { sids }, KEY);
  opened.push(subscription);
  return subscription;
}

/** Waits (bounded) until `page` has an event with `sid` ringing. */
async function pageHas(page: SseSubscription<Page>, sid: string): Promise<void> {
  const ringingNow = (payload: ExecutionPayload<Page>) => payload.data?.callsUpdates?.sid === sid && payload.data.callsUpdates.status === 'RINGING';
  await waitUntil(() => page.nextEvents().some(ringingNow), `the page has ${sid}`);
}

/** A ringing call watched: its first event is the call, no error. */
async function expectAccepted(subscription: SseSubscription<Watch>, sid: string): Promise<void> {
  const first = await subscription.payload(0);
  expect(first.errors, JSON.stringify(first.errors)).toBeUndefined();
  expect(first.data?.callUpdates).toEqual({ sid, status: 'RINGING' });
}

/** Refused: HTTP 200, one event carrying TOO_MANY_SUBSCRIPTIONS, then the stream completes. */
async function expectRefused(subscription: SseSubscription<Watch | Page>, setting: string): Promise<void> {
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
  await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'every subscription was released');
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
    expect(stack.server.stats().subscriptions.open).toBe(3);
    expect((stack.server.stats().subscriptions.tenants.get(KEY_ID)?.open ?? 0)).toBe(3);

    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcap_d', ringing('CAcap_d'));
    await expectRefused(await watch(stack, 'CAcap_d'), 'MAX_SUBSCRIPTIONS_PER_CREDENTIAL');
    expect(polls(stack.sim, 'CAcap_d')).toBe(0);
    // The refusal took no slot, and the others go on.
    expect(stack.server.stats().subscriptions.open).toBe(3);
    for (const subscription of [a, b, c]) expect(subscription?.events.at(-1)?.event).toBe('next');
  });

  it('closing one makes room for a new one', async () => {
    const [first] = await watchRinging(stack, ['CAcap_room_a', 'CAcap_room_b', 'CAcap_room_c']);
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcap_room_d', ringing('CAcap_room_d'));
    await expectRefused(await watch(stack, 'CAcap_room_d'), 'MAX_SUBSCRIPTIONS_PER_CREDENTIAL');

    first?.close();
    await waitUntil(() => stack.server.stats().subscriptions.open === 2, 'the closed one was released');
    await expectAccepted(await watch(stack, 'CAcap_room_d'), 'CAcap_room_d');
  });

  it('a call that ends gives its slot back too', async () => {
    const [first] = await watchRinging(stack, ['CAcap_final_a', 'CAcap_final_b', 'CAcap_final_c']);
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcap_final_a', { status: 'busy', callSid: 'CAcap_final_a' });
    await first?.end();
    expect(first?.events.map((e) => e.event)).toEqual(['next', 'next', 'complete']);
    expect(stack.server.stats().subscriptions.open).toBe(2);
    await watchRinging(stack, ['CAcap_final_d']);
  });

  it('per credential: another credential still subscribes while this one is full', async () => {
    await watchRinging(stack, ['CAcap_cred_a', 'CAcap_cred_b', 'CAcap_cred_c']);
    await watchRinging(stack, ['CAcap_cred_a', 'CAcap_cred_d'], BEARER);
    expect(stack.server.stats().subscriptions.open).toBe(5);
    expect((stack.server.stats().subscriptions.tenants.get(KEY_ID)?.open ?? 0)).toBe(3);
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
    await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'the refused credential holds no slot');
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
    await waitUntil(() => stack.server.stats().subscriptions.open === 2, 'the closed one was released');
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
    expect((stack.server.stats().subscriptions.tenants.get(KEY_ID)?.watched ?? 0)).toBe(2);
    expect((stack.server.stats().subscriptions.tenants.get(KEY_ID)?.open ?? 0)).toBe(3);

    stack.sim.setCall(DEMO_PROJECT_ID, 'CAwat_c', ringing('CAwat_c'));
    await expectRefused(await watch(stack, 'CAwat_c'), 'MAX_WATCHED_CALLS_PER_CREDENTIAL');
    expect(polls(stack.sim, 'CAwat_c')).toBe(0);
    // Another credential has its own count.
    await watchRinging(stack, ['CAwat_c'], BEARER);

    // CAwat_a stays watched while one of its two subscriptions is open.
    a1?.close();
    await waitUntil(() => (stack.server.stats().subscriptions.tenants.get(KEY_ID)?.open ?? 0) === 2, 'the first one was released');
    expect((stack.server.stats().subscriptions.tenants.get(KEY_ID)?.watched ?? 0)).toBe(2);
    await expectRefused(await watch(stack, 'CAwat_c'), 'MAX_WATCHED_CALLS_PER_CREDENTIAL');
    a2?.close();
    await waitUntil(() => (stack.server.stats().subscriptions.tenants.get(KEY_ID)?.watched ?? 0) === 1, 'CAwat_a is no longer watched');
    await expectAccepted(await watch(stack, 'CAwat_c'), 'CAwat_c');
  });

  it('one key with a junk Authorization per subscription: each header pair is its own poller, and they count toward the one cap', async () => {
    const withJunk = (i: number) => ({ ...KEY, authorization: `Bearer junk-${i}` });
    const tenant = makeCredential('Bearer junk-0', DEMO_API_KEY)?.tenantId as string;
    // The same call under two header pairs: two pollers, the cap (2) reached.
    await watchRinging(stack, ['CAwat_j'], withJunk(0));
    await watchRinging(stack, ['CAwat_j'], withJunk(1));
    expect((stack.server.stats().subscriptions.tenants.get(tenant)?.watched ?? 0)).toBe(2);
    for (let i = 2; i < 6; i++) await expectRefused(await watch(stack, 'CAwat_j', withJunk(i)), 'MAX_WATCHED_CALLS_PER_CREDENTIAL');
    expect((stack.server.stats().subscriptions.tenants.get(tenant)?.open ?? 0)).toBe(2);
    // The header pairs already watching it still may, at no extra poller.
    await watchRinging(stack, ['CAwat_j'], withJunk(1));
    expect((stack.server.stats().subscriptions.tenants.get(tenant)?.watched ?? 0)).toBe(2);
  });

  it('one callsUpdates is one subscription, and each of its distinct sids one watched call', async () => {
    const { sim, server } = stack;
    const [a, b, c] = ['CAwat_page_a', 'CAwat_page_b', 'CAwat_page_c'];
    for (const sid of [a, b, c]) sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const page = await watchPage(stack, [a, b, a]);
    for (const sid of [a, b]) await pageHas(page, sid);
    expect((server.stats().subscriptions.tenants.get(KEY_ID)?.open ?? 0)).toBe(1);
    expect((server.stats().subscriptions.tenants.get(KEY_ID)?.watched ?? 0)).toBe(2);

    // A third distinct call is over MAX_WATCHED_CALLS_PER_CREDENTIAL, even beside a watched one; the same calls are not.
    const before = sim.stats.requests;
    const started = performance.now();
    await expectRefused(await watchPage(stack, [a, c]), 'MAX_WATCHED_CALLS_PER_CREDENTIAL');
    expect(polls(sim, c)).toBe(0);
    // Meanwhile only the page's two calls were polled, on their schedule.
    expect(sim.stats.requests - before).toBeLessThanOrEqual(2 * (Math.ceil((performance.now() - started) / POLL_MS) + 2));

    const again = await watchPage(stack, [b]);
    await pageHas(again, b);
    expect((server.stats().subscriptions.tenants.get(KEY_ID)?.open ?? 0)).toBe(2);
    expect(server.stats().pollers.pollers).toBe(2);
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

  it('the counts go back to 0 once the clients leave', async () => {
    const subscriptions = await watchRinging(stack, ['CAlease_a', 'CAlease_b', 'CAlease_c', 'CAlease_d']);
    expect(stack.server.stats().subscriptions.open).toBe(4);
    for (const subscription of subscriptions) subscription.close();
    await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'every lease was released');
    expect((stack.server.stats().subscriptions.tenants.get(KEY_ID)?.open ?? 0)).toBe(0);
    expect((stack.server.stats().subscriptions.tenants.get(KEY_ID)?.watched ?? 0)).toBe(0);
  });

  it('draining completes every open stream normally, even one waiting on upstream', async () => {
    const draining = await startStack({ config: { callPollIntervalMs: POLL_MS, upstreamTimeoutMs: 30_000 } });
    try {
      const subscriptions = await watchRinging(draining, ['CAdone_a', 'CAdone_b', 'CAdone_c']);
      const fault = draining.sim.injectFault('CAdone_c', { type: 'hang' });
      const base = fault.hits;
      await waitUntil(() => fault.hits > base, 'a poll of CAdone_c hangs');

      draining.server.drain();
      expect(draining.server.stats().subscriptions.open).toBe(0);
      for (const subscription of subscriptions) {
        await subscription.end(1000);
        expect(subscription.error).toBeUndefined();
        expect(subscription.events.at(-1)?.event).toBe('complete');
        expect(subscription.nextEvents().flatMap((p) => p.errors ?? [])).toEqual([]);
      }
    } finally {
      await draining.close();
    }
  });
});

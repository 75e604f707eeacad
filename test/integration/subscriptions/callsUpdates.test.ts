/**
 * `callsUpdates(sids, projectId)` over SSE on real HTTP: a page of calls in one stream, each
 * call by the rules of `callUpdates` (its state now, each change, complete once all are final),
 * per-sid error events (`extensions.sid`: NOT_FOUND, a failure's code) that leave the others
 * going; malformed input, MAX_CALLS_PER_REQUEST and MAX_LIST_ENTRIES refused before any upstream
 * request. Every wait is bounded. (Its poller shared with `callUpdates`: sharedPollers.test.ts;
 * how it counts toward the subscription caps: subscriptionCaps.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID, type Simulator } from '../../../src/simulator/index.js';
import { makeCredential } from '../../../src/identity/credential.js';
import { type ExecutionPayload, openSse, type SseSubscription, waitUntil } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const POLL_MS = 50;
const PAGE = 'subscription Page($sids: [ID!]!, $projectId: ID) { callsUpdates(sids: $sids, projectId: $projectId) { sid status isFinal } }';
type Page = { callsUpdates: { sid: string; status: string; isFinal: boolean } };
const KEY = { 'x-api-key': DEMO_API_KEY };
const KEY_ID = makeCredential(undefined, DEMO_API_KEY)?.tenantId as string;

const polls = (sim: Simulator, sid: string) => sim.stats.bySid.get(sid) ?? 0;
const ringing = (sid: string) => ({ status: 'ringing', callSid: sid });
const completed = (sid: string) => ({ status: 'completed', callSid: sid, seconds: 12, cost: 0.01 });

const opened: SseSubscription<Page>[] = [];

async function watchPage(stack: Stack, sids: string[], projectId?: string): Promise<SseSubscription<Page>> {
  const subscription = await openSse<Page>(stack.url, PAGE, { sids, ...(projectId === undefined ? {} : { projectId }) }, KEY);
  opened.push(subscription);
  return subscription;
}

const codesOf = (payload: ExecutionPayload<Page> | undefined) => (payload?.errors ?? []).map((e) => e.extensions?.code);

/** Waits (bounded) until `subscription` has a `next` matching `match`; returns it. */
async function eventWhere(subscription: SseSubscription<Page>, match: (payload: ExecutionPayload<Page>) => boolean, what: string) {
  await waitUntil(() => subscription.nextEvents().some(match), what);
  return subscription.nextEvents().find(match) as ExecutionPayload<Page>;
}

const callEvent = (sid: string, status: string) => (payload: ExecutionPayload<Page>) =>
  payload.data?.callsUpdates?.sid === sid && payload.data.callsUpdates.status === status;
const errorEvent = (sid: string) => (payload: ExecutionPayload<Page>) => payload.errors?.[0]?.extensions?.['sid'] === sid;

afterAll(() => {
  for (const subscription of opened) subscription.close();
});

describe('callsUpdates over SSE', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      config: { callPollIntervalMs: POLL_MS, upstreamRetries: 0, maxCallsPerRequest: 8, maxListEntries: 20, maxWatchedCallsPerCredential: 8 },
    });
  });
  afterEach(async () => {
    for (const subscription of opened.splice(0)) subscription.close();
    await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'every subscription was released');
    stack.sim.clearFaults();
  });
  afterAll(() => stack?.close());

  it('a page: each call now, each change, one error event per unknown or failing sid, complete once all are final', async () => {
    const { sim, server } = stack;
    const [live1, live2, unknown, failing, final1, final2] = ['CApage_live1', 'CApage_live2', 'CApage_unknown', 'CApage_failing', 'CApage_final1', 'CApage_final2'];
    const sids = [live1, live2, unknown, failing, final1, final2] as string[];
    for (const sid of [live1, live2, failing] as string[]) sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    for (const sid of [final1, final2] as string[]) sim.setCall(DEMO_PROJECT_ID, sid, completed(sid));
    const fault = sim.injectFault(failing as string, { type: 'status', status: 503 });

    const page = await watchPage(stack, [...sids, live1 as string]);
    expect(page.response.status).toBe(200);
    // One subscription watching six distinct calls (the duplicate counts once).
    await waitUntil(() => server.stats().subscriptions.open === 1, 'the subscription is open');
    expect((server.stats().subscriptions.tenants.get(KEY_ID)?.watched ?? 0)).toBe(6);
    expect(server.stats().subscriptions.byTransport).toEqual({ sse: 1, ws: 0 });

    for (const sid of [live1, live2] as string[]) await eventWhere(page, callEvent(sid, 'RINGING'), `${sid} now`);
    for (const sid of [final1, final2] as string[]) await eventWhere(page, callEvent(sid, 'COMPLETED'), `${sid} now`);
    const notFound = await eventWhere(page, errorEvent(unknown as string), 'the unknown sid');
    expect(notFound.data ?? null).toBeNull();
    expect(notFound.errors).toEqual([expect.objectContaining({ path: ['callsUpdates'], extensions: { code: 'NOT_FOUND', sid: unknown } })]);
    const failed = await eventWhere(page, errorEvent(failing as string), 'the failing sid gave up');
    expect(codesOf(failed)).toEqual(['UPSTREAM_ERROR']);
    expect(fault.hits).toBe(3);

    // The others go on: a change of a live call is an event, and the final ones poll no more.
    sim.setCall(DEMO_PROJECT_ID, live1 as string, { status: 'in-progress', callSid: live1 });
    await eventWhere(page, callEvent(live1 as string, 'IN_PROGRESS'), 'live1 changed');
    expect(server.stats().pollers.pollers).toBe(2);
    sim.setCall(DEMO_PROJECT_ID, live1 as string, completed(live1 as string));
    sim.setCall(DEMO_PROJECT_ID, live2 as string, completed(live2 as string));
    await page.end();
    expect(page.error).toBeUndefined();
    expect(page.events.at(-1)?.event).toBe('complete');

    // Each sid's events, in order; exactly one error per failed sid.
    const bySid = new Map<string, string[]>();
    for (const payload of page.nextEvents()) {
      const sid = (payload.data?.callsUpdates?.sid ?? payload.errors?.[0]?.extensions?.['sid']) as string;
      bySid.set(sid, [...(bySid.get(sid) ?? []), payload.data?.callsUpdates?.status ?? String(codesOf(payload))]);
    }
    expect(Object.fromEntries(bySid)).toEqual({
      [live1 as string]: ['RINGING', 'IN_PROGRESS', 'COMPLETED'],
      [live2 as string]: ['RINGING', 'COMPLETED'],
      [unknown as string]: ['NOT_FOUND'],
      [failing as string]: ['UPSTREAM_ERROR'],
      [final1 as string]: ['COMPLETED'],
      [final2 as string]: ['COMPLETED'],
    });
    expect(polls(sim, unknown as string)).toBe(1);
    expect(polls(sim, final1 as string)).toBe(1);
    await waitUntil(() => server.stats().pollers.pollers === 0, 'every poller stopped');
  });

  it('an empty list completes at once', async () => {
    const page = await watchPage(stack, []);
    await page.end();
    expect(page.events.map((e) => e.event)).toEqual(['complete']);
  });

  it('a malformed sid fails the whole subscription at once: BAD_USER_INPUT, no upstream request', async () => {
    const { sim } = stack;
    sim.setCall(DEMO_PROJECT_ID, 'CApage_ok', ringing('CApage_ok'));
    const before = sim.stats.requests;
    const page = await watchPage(stack, ['CApage_ok', 'bad sid!']);
    await page.end();
    expect(page.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(codesOf(page.nextEvents()[0])).toEqual(['BAD_USER_INPUT']);
    expect(sim.stats.requests).toBe(before);
  });

  it('an empty projectId is BAD_USER_INPUT with no upstream request', async () => {
    const before = stack.sim.stats.requests;
    const page = await watchPage(stack, ['CApage_ok'], '');
    await page.end();
    expect(codesOf(page.nextEvents()[0])).toEqual(['BAD_USER_INPUT']);
    expect(stack.sim.stats.requests).toBe(before);
  });

  it('more distinct sids than MAX_CALLS_PER_REQUEST: TOO_MANY_CALLS at once, no upstream request; duplicates count once', async () => {
    const { sim } = stack;
    const sids = Array.from({ length: 9 }, (_, i) => `CApage_many${i}`);
    for (const sid of sids) sim.setCall(DEMO_PROJECT_ID, sid, completed(sid));
    const before = sim.stats.requests;
    const refused = await watchPage(stack, sids);
    await refused.end();
    expect(refused.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(codesOf(refused.nextEvents()[0])).toEqual(['TOO_MANY_CALLS']);
    expect(sim.stats.requests).toBe(before);

    // Eight distinct sids, twelve entries: accepted.
    const accepted = await watchPage(stack, [...sids.slice(0, 8), ...sids.slice(0, 4)]);
    await accepted.end();
    expect(accepted.nextEvents().map((p) => p.data?.callsUpdates?.status)).toEqual(Array(8).fill('COMPLETED'));
  });

  it('more entries than MAX_LIST_ENTRIES: BAD_USER_INPUT as the stream\'s one event (what SSE clients read), nothing executes', async () => {
    const before = stack.sim.stats.requests;
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...KEY },
      body: JSON.stringify({ query: PAGE, variables: { sids: Array(21).fill('CApage_ok') } }),
    });
    const text = await response.text();
    // A refused document follows its media type (limits/refusalStatus.ts): over SSE, Yoga's
    // rule for it is that of application/json, 200 with the errors, so graphql-sse clients get
    // them as a result rather than a bare network error.
    expect(response.status, text).toBe(200);
    expect(text).toMatch(/event: next\ndata: .*BAD_USER_INPUT/);
    expect(text).toContain('event: complete');
    expect(stack.sim.stats.requests).toBe(before);
  });
});

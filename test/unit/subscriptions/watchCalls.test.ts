/**
 * One subscription's watch of its calls (subscriptions/watchCalls.ts) on its own: the rules of
 * `callUpdates` and `callsUpdates` per call, and when the stream completes. The pollers are
 * scripted (a CallPollers whose `subscribe` hands each listener to the test, which then plays
 * the poll outcomes), so every rule is checked outcome by outcome, without waiting for an
 * interval; one test runs over real CallPollers to see the watch let go of its poller. Over
 * SSE and WebSocket: test/integration/subscriptions/callUpdates.test.ts and
 * callsUpdates.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import { ForbiddenError, NotFoundError, UnauthenticatedError, UpstreamError, UpstreamTimeoutError } from '../../../src/calls/callDataErrors.js';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { type CallKey, callKeyOf } from '../../../src/identity/keys.js';
import { CallPollers, callSnapshotOf, type PollListener, type PollOutcome } from '../../../src/subscriptions/callPollers.js';
import { isWatchError, watchCalls, type WatchEvent } from '../../../src/subscriptions/watchCalls.js';
import { mappedCall } from '../../support/callFixtures.js';
import { waitUntil } from '../../support/sse.js';

const credential = makeCredential(undefined, 'key') as Credential;
const keyOf = (sid: string): CallKey => callKeyOf(credential, { projectId: 'p', sid });

const live = (sid: string, overrides: Partial<Call> = {}): Call => mappedCall({ sid, status: 'RINGING', upstreamStatus: 'ringing', isFinal: false, ...overrides });
const final = (sid: string): Call => mappedCall({ sid, status: 'BUSY', upstreamStatus: 'busy', isFinal: true });

const callOutcome = (call: Call): PollOutcome => ({ kind: 'call', call, snapshot: callSnapshotOf(call) });
const failed = (error: unknown): PollOutcome => ({ kind: 'failed', error });
const NOT_FOUND: PollOutcome = { kind: 'not-found' };

/**
 * Pollers the test plays: `subscribe` keeps the listener (and hands it `latest`, as a running
 * poller hands its latest call to a new subscriber) and `emit` delivers an outcome to it.
 */
class ScriptedPollers extends CallPollers {
  readonly listeners = new Map<string, PollListener>();
  readonly subscribed: string[] = [];
  readonly unsubscribed: string[] = [];
  /** what a poller already running for a sid hands a new subscriber at once */
  readonly latest = new Map<string, PollOutcome>();

  constructor() {
    super({ fetchCall: () => Promise.reject(new Error('scripted pollers never poll')), intervalMs: 60_000 });
  }

  override subscribe(key: CallKey, listener: PollListener): () => void {
    const sid = key.address.sid;
    this.subscribed.push(sid);
    this.listeners.set(sid, listener);
    const latest = this.latest.get(sid);
    if (latest) listener(latest);
    return () => {
      this.unsubscribed.push(sid);
      this.listeners.delete(sid);
    };
  }

  emit(sid: string, outcome: PollOutcome): void {
    this.listeners.get(sid)?.(outcome);
  }
}

function watch(sids: readonly string[], { maxSeconds = 60, signal = new AbortController().signal, pollers = new ScriptedPollers() } = {}) {
  const stream = watchCalls({ pollers, keys: sids.map(keyOf), maxSeconds, signal });
  const read = () => stream.next().then((result) => (result.done ? ('done' as const) : result.value));
  /** a `next()` that `nextNow` found pending: the event it resolves with is the next one read */
  let waiting: Promise<WatchEvent | 'done'> | undefined;
  /** The next event now, or 'pending' when none is ready (the stream neither has one nor has completed). */
  const nextNow = async (): Promise<WatchEvent | 'done' | 'pending'> => {
    const next = (waiting ??= read());
    const result = await Promise.race([next, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
    if (result !== 'pending') waiting = undefined;
    return result;
  };
  /** Every event until the stream completes. */
  const rest = async (): Promise<WatchEvent[]> => {
    const events: WatchEvent[] = [];
    for (;;) {
      const next = waiting ?? read();
      waiting = undefined;
      const event = await next;
      if (event === 'done') return events;
      events.push(event);
    }
  };
  return { stream, pollers, nextNow, rest };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('each call', () => {
  it('its first state comes at once: from a running poller while subscribing, else from the first poll', async () => {
    const pollers = new ScriptedPollers();
    const running = live('CArunning');
    pollers.latest.set('CArunning', callOutcome(running));
    const { stream } = watch(['CArunning', 'CAnew'], { pollers });
    expect(await stream.next()).toEqual({ done: false, value: { call: running } });
    const polled = live('CAnew');
    pollers.emit('CAnew', callOutcome(polled));
    expect(await stream.next()).toEqual({ done: false, value: { call: polled } });
  });

  it('then an event only when the snapshot changes', async () => {
    const { pollers, nextNow } = watch(['CA1']);
    pollers.emit('CA1', callOutcome(live('CA1')));
    expect(await nextNow()).toMatchObject({ call: { sid: 'CA1' } });
    // The same call again, as a new object: nothing.
    pollers.emit('CA1', callOutcome(live('CA1')));
    expect(await nextNow()).toBe('pending');
    const changed = live('CA1', { status: 'IN_PROGRESS', upstreamStatus: 'in-progress' });
    pollers.emit('CA1', callOutcome(changed));
    expect(await nextNow()).toEqual({ call: changed });
  });

  it('ends once final: its last state, then nothing more, and it leaves its poller', async () => {
    const { pollers, nextNow, rest } = watch(['CA1']);
    pollers.emit('CA1', callOutcome(live('CA1')));
    expect(await nextNow()).toMatchObject({ call: { upstreamStatus: 'ringing' } });
    pollers.emit('CA1', callOutcome(final('CA1')));
    pollers.emit('CA1', callOutcome(live('CA1', { upstreamStatus: 'odd' })));
    const events = await rest();
    expect(events.map((event) => (isWatchError(event) ? 'error' : event.call.upstreamStatus))).toEqual(['busy']);
    expect(pollers.unsubscribed).toEqual(['CA1']);
  });

  it('a reader slower than the calls change gets each call\'s latest state: at most one unread event per call, in the order the calls first changed', async () => {
    const { pollers, rest } = watch(['CA1', 'CA2']);
    pollers.emit('CA1', callOutcome(live('CA1')));
    pollers.emit('CA2', callOutcome(live('CA2')));
    for (let i = 0; i < 50; i++) pollers.emit('CA1', callOutcome(live('CA1', { upstreamStatus: `step${i}` })));
    pollers.emit('CA2', callOutcome(final('CA2')));
    pollers.emit('CA1', callOutcome(final('CA1')));
    const events = await rest();
    expect(events.map((event) => (isWatchError(event) ? 'error' : `${event.call.sid} ${event.call.upstreamStatus}`))).toEqual(['CA1 busy', 'CA2 busy']);
  });

  it('an unknown call ends with one NOT_FOUND event', async () => {
    const { pollers, rest } = watch(['CAunknown']);
    pollers.emit('CAunknown', NOT_FOUND);
    pollers.emit('CAunknown', NOT_FOUND);
    const events = await rest();
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event && isWatchError(event) ? [event.address, event.error] : undefined).toEqual([keyOf('CAunknown').address, expect.any(NotFoundError)]);
  });

  it('three failures in a row end it with the last one\'s error; a call between them starts the count again', async () => {
    const { pollers, nextNow, rest } = watch(['CA1']);
    pollers.emit('CA1', failed(new UpstreamError('first')));
    pollers.emit('CA1', failed(new UpstreamError('second')));
    pollers.emit('CA1', callOutcome(live('CA1')));
    expect(await nextNow()).toMatchObject({ call: { sid: 'CA1' } });
    pollers.emit('CA1', failed(new UpstreamError('third')));
    pollers.emit('CA1', failed(new UpstreamError('fourth')));
    expect(await nextNow()).toBe('pending');
    const last = new UpstreamTimeoutError('fifth');
    pollers.emit('CA1', failed(last));
    const events = await rest();
    expect(events).toEqual([{ address: keyOf('CA1').address, error: last }]);
  });

  it('a credential refused before any state ends it at once; once a state was seen, a refusal is one failure of three', async () => {
    const refused = watch(['CA1']);
    const unauthenticated = new UnauthenticatedError('401');
    refused.pollers.emit('CA1', failed(unauthenticated));
    expect(await refused.rest()).toEqual([{ address: keyOf('CA1').address, error: unauthenticated }]);

    const forbidden = watch(['CA1']);
    forbidden.pollers.emit('CA1', failed(new ForbiddenError('403')));
    expect(await forbidden.rest()).toHaveLength(1);

    const seen = watch(['CA1']);
    seen.pollers.emit('CA1', callOutcome(live('CA1')));
    seen.pollers.emit('CA1', failed(new ForbiddenError('403')));
    expect(await seen.nextNow()).toMatchObject({ call: { sid: 'CA1' } });
    expect(await seen.nextNow()).toBe('pending');
  });
});

describe('the stream', () => {
  it('watches duplicates once', async () => {
    const { pollers, stream } = watch(['CA1', 'CA2', 'CA1']);
    expect(pollers.subscribed).toEqual(['CA1', 'CA2']);
    await stream.return?.();
  });

  it('completes once every call has ended, each one\'s end its own, after the events already queued are read', async () => {
    const { pollers, nextNow, rest } = watch(['CA1', 'CA2']);
    pollers.emit('CA1', callOutcome(final('CA1')));
    expect(await nextNow()).toMatchObject({ call: { sid: 'CA1' } });
    // One call ended; the other goes on.
    expect(await nextNow()).toBe('pending');
    expect(pollers.unsubscribed).toEqual(['CA1']);
    pollers.emit('CA2', callOutcome(live('CA2')));
    pollers.emit('CA2', NOT_FOUND);
    expect(await rest()).toHaveLength(2);
    expect(pollers.unsubscribed).toEqual(['CA1', 'CA2']);
  });

  it('a call that ends while being subscribed (a running poller\'s final call) does not complete the stream before the others are watched', async () => {
    const pollers = new ScriptedPollers();
    pollers.latest.set('CAdone', callOutcome(final('CAdone')));
    const { nextNow, rest } = watch(['CAdone', 'CAlive'], { pollers });
    expect(pollers.subscribed).toEqual(['CAdone', 'CAlive']);
    expect(pollers.unsubscribed).toEqual(['CAdone']);
    expect(await nextNow()).toMatchObject({ call: { sid: 'CAdone' } });
    expect(await nextNow()).toBe('pending');
    pollers.emit('CAlive', callOutcome(final('CAlive')));
    expect(await rest()).toHaveLength(1);
  });

  it('completes after maxSeconds from its start, leaving every poller', async () => {
    vi.useFakeTimers();
    const { pollers, stream } = watch(['CA1', 'CA2'], { maxSeconds: 30 });
    let done = false;
    const next = stream.next().then((result) => void (done = result.done === true));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(done).toBe(true);
    expect(pollers.unsubscribed.sort()).toEqual(['CA1', 'CA2']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('completes when its signal aborts, a pending next() included; a signal already aborted watches nothing', async () => {
    const controller = new AbortController();
    const { pollers, stream } = watch(['CA1'], { signal: controller.signal });
    const next = stream.next();
    controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(pollers.unsubscribed).toEqual(['CA1']);

    const aborted = new AbortController();
    aborted.abort();
    const never = watch(['CA1'], { signal: aborted.signal });
    expect(await never.stream.next()).toEqual({ done: true, value: undefined });
    expect(never.pollers.subscribed).toEqual([]);
  });

  it('return() ends it at once: queued events dropped, every poller left, later outcomes ignored', async () => {
    const { pollers, stream } = watch(['CA1', 'CA2']);
    pollers.emit('CA1', callOutcome(live('CA1')));
    const listener = pollers.listeners.get('CA2');
    expect(await stream.return?.()).toEqual({ done: true, value: undefined });
    expect(pollers.unsubscribed.sort()).toEqual(['CA1', 'CA2']);
    listener?.(callOutcome(live('CA2')));
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});

describe('over real pollers', () => {
  it('the first poll\'s state at once, and the poller stopped as soon as the call is final', async () => {
    let polls = 0;
    const pollers = new CallPollers({
      fetchCall: async (key) => (++polls < 3 ? live(key.address.sid, { upstreamStatus: `ringing-${polls}` }) : final(key.address.sid)),
      intervalMs: 5,
    });
    try {
      const stream = watchCalls({ pollers, keys: [keyOf('CA1'), keyOf('CA1')], maxSeconds: 60, signal: new AbortController().signal });
      expect(pollers.stats).toMatchObject({ pollers: 1, subscribers: 1 });
      const events: WatchEvent[] = [];
      for await (const event of stream) events.push(event);
      expect(events.map((event) => (isWatchError(event) ? 'error' : event.call.upstreamStatus))).toEqual(['ringing-1', 'ringing-2', 'busy']);
      await waitUntil(() => pollers.stats.pollers === 0, 'the poller stopped');
      expect(polls).toBe(3);
    } finally {
      await pollers.close();
    }
  });
});

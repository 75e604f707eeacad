/**
 * The upstream governor (governor/upstreamGovernor.ts) on fake timers: what waits, what goes,
 * what is refused unsent and with which code, per tenant. The client's use of it over real
 * HTTP: test/integration/governor/.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimitedError, TooManyRequestsError, UpstreamUnavailableError } from '../../../src/calls/callDataErrors.js';
import { FetchScope } from '../../../src/fetch/fetchScope.js';
import { type GovernorOptions, UpstreamGovernor } from '../../../src/governor/upstreamGovernor.js';
import { CancelledError } from '../../../src/talkstack/cancellation.js';

const governorOf = (options: Partial<GovernorOptions> = {}) =>
  new UpstreamGovernor({ rateLimit: undefined, maxWaitMs: 10_000, maxWaitingPerTenant: 5000, now: () => Date.now(), ...options });

/** Admits a call of `tenants`; records when it was let go (or how it was refused). */
function ask(governor: UpstreamGovernor, tenants: string[], callId: string, origin?: object, scope?: FetchScope) {
  const record: { sentAt?: number; error?: unknown; call: ReturnType<UpstreamGovernor['begin']> } = { call: governor.begin(tenants, { projectId: 'p', sid: callId }, origin) };
  try {
    const waiting = governor.admit(record.call, scope);
    if (waiting === undefined) record.sentAt = Date.now();
    else
      waiting.then(
        () => (record.sentAt = Date.now()),
        (error: unknown) => (record.error = error),
      );
  } catch (error) {
    record.error = error;
  }
  return record;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('upstream governor', () => {
  it('a tenant with nothing learned sends at once, synchronously, however many', () => {
    const governor = governorOf();
    const calls = Array.from({ length: 200 }, (_, i) => ask(governor, ['A'], `c${i}`));
    expect(calls.every((call) => call.sentAt === 1_000_000)).toBe(true);
    expect(governor.stats()).toMatchObject({ pacedTenants: 0, waiting: 0 });
  });

  it('UPSTREAM_RATE_LIMIT: calls over the rate wait and go at the pace; other tenants never wait', async () => {
    const governor = governorOf({ rateLimit: 10 });
    const paced = Array.from({ length: 11 }, (_, i) => ask(governor, ['A'], `c${i}`));
    const other = ask(governor, ['B'], 'b');
    expect(other.sentAt).toBe(1_000_000);
    expect(governor.stats().waiting).toBeGreaterThan(5);
    await vi.advanceTimersByTimeAsync(1000);
    const times = paced.map((call) => call.sentAt ?? Infinity);
    expect(times.every((at) => at <= 1_001_000)).toBe(true);
    // evenly spaced, 100 ms apart
    expect(times[5]! - times[4]!).toBe(100);
    expect(times[1]! - times[0]!).toBe(100);
    expect(governor.stats().waiting).toBe(0);
  });

  it('round-robin between the operations of one tenant: a single call is not stuck behind a page', async () => {
    const governor = governorOf({ rateLimit: 10 });
    const page = {};
    const single = {};
    const pageCalls = Array.from({ length: 20 }, (_, i) => ask(governor, ['A'], `p${i}`, page));
    const singleCall = ask(governor, ['A'], 's', single);
    await vi.advanceTimersByTimeAsync(300);
    expect(singleCall.sentAt).toBeDefined();
    expect(pageCalls.filter((call) => call.sentAt !== undefined).length).toBeLessThan(5);
  });

  it('past UPSTREAM_MAX_WAIT_MS: predicted, RATE_LIMITED at once, unsent, with retryAfterMs', () => {
    const governor = governorOf({ rateLimit: 1, maxWaitMs: 3000 });
    const calls = Array.from({ length: 6 }, (_, i) => ask(governor, ['A'], `c${i}`));
    const refused = calls.filter((call) => call.error !== undefined);
    expect(refused.length).toBeGreaterThan(0);
    const error = refused[0]?.error as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.unsent).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(2000);
    expect(governor.stats().refused.wait).toBe(refused.length);
  });

  it('past UPSTREAM_MAX_WAIT_MS: measured, when a pause outlasts it while waiting', async () => {
    const governor = governorOf({ rateLimit: 10, maxWaitMs: 1000 });
    const first = ask(governor, ['A'], 'first');
    const waiting = Array.from({ length: 3 }, (_, i) => ask(governor, ['A'], `w${i}`));
    governor.finished(first.call, 'limited', 5000, undefined);
    await vi.advanceTimersByTimeAsync(1001);
    for (const call of waiting.slice(1)) expect(call.error).toBeInstanceOf(RateLimitedError);
  });

  it('MAX_WAITING_CALLS_PER_TENANT: the next call is TOO_MANY_REQUESTS at once, nothing queued', () => {
    const governor = governorOf({ rateLimit: 1, maxWaitingPerTenant: 2 });
    const calls = Array.from({ length: 4 }, (_, i) => ask(governor, ['A'], `c${i}`));
    expect(calls[0]?.sentAt).toBeDefined();
    expect(calls[3]?.error).toBeInstanceOf(TooManyRequestsError);
    expect((calls[3]?.error as TooManyRequestsError).retryAfterMs).toBeGreaterThan(0);
    expect(governor.stats()).toMatchObject({ waiting: 2, refused: { queue: 1 } });
  });

  it('a call whose client leaves while it waits is dropped: CancelledError, never let go', async () => {
    const governor = governorOf({ rateLimit: 1 });
    ask(governor, ['A'], 'first');
    const scope = new FetchScope();
    const leaving = ask(governor, ['A'], 'leaving', undefined, scope);
    scope.cancel();
    await vi.advanceTimersByTimeAsync(5000);
    expect(leaving.error).toBeInstanceOf(CancelledError);
    expect(leaving.sentAt).toBeUndefined();
    expect(governor.stats().waiting).toBe(0);
  });

  it('a call of two tenants waits for the stricter and counts against both', async () => {
    const governor = governorOf();
    const b = ask(governor, ['B'], 'b');
    governor.finished(b.call, 'limited', 2000, undefined);
    const both = ask(governor, ['A', 'B'], 'ab');
    expect(both.sentAt).toBeUndefined();
    expect(ask(governor, ['A'], 'a').sentAt).toBe(1_000_000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(both.sentAt).toBe(1_002_000);
  });

  it('an open breaker refuses at once, ends queued calls and retry waits; one probe a second; a success closes it', async () => {
    const opened: boolean[] = [];
    const governor = governorOf({ onBreaker: (_tenant, open) => opened.push(open) });
    const sleeping = ask(governor, ['A'], 'sleeper');
    const sleep = governor.retryWait(sleeping.call, 5000, undefined).catch((error: unknown) => error);
    for (let i = 0; i < 20; i++) {
      const call = ask(governor, ['A'], `c${i % 4}`);
      governor.finished(call.call, 'failed', undefined, undefined);
    }
    expect(opened).toEqual([true]);
    expect(await sleep).toBeInstanceOf(UpstreamUnavailableError);
    const refused = ask(governor, ['A'], 'x');
    expect(refused.error).toBeInstanceOf(UpstreamUnavailableError);
    expect((refused.error as UpstreamUnavailableError).retryAfterMs).toBeLessThanOrEqual(1000);
    expect(ask(governor, ['B'], 'other tenant').sentAt).toBeDefined();
    await vi.advanceTimersByTimeAsync(1000);
    const probe = ask(governor, ['A'], 'probe');
    expect(probe.sentAt).toBeDefined();
    expect(ask(governor, ['A'], 'while probing').error).toBeInstanceOf(UpstreamUnavailableError);
    governor.finished(probe.call, 'accepted', undefined, undefined);
    expect(opened).toEqual([true, false]);
    expect(ask(governor, ['A'], 'after').sentAt).toBeDefined();
    expect(governor.stats().refused.breaker).toBeGreaterThanOrEqual(3);
  });

  it('a 429 pauses the tenant: the refused call goes first when the pause ends', async () => {
    const governor = governorOf();
    const refusedOnce = ask(governor, ['A'], 'r');
    const later = ask(governor, ['A'], 'later');
    expect(later.sentAt).toBe(1_000_000);
    governor.finished(refusedOnce.call, 'limited', 1000, undefined);
    const queued = ask(governor, ['A'], 'queued');
    const again = governor.admit(refusedOnce.call, undefined, true);
    let againAt: number | undefined;
    void again?.then(() => (againAt = Date.now()));
    await vi.advanceTimersByTimeAsync(1000);
    expect(againAt).toBe(1_001_000);
    expect(queued.sentAt).toBeUndefined();
    // nothing was accepted before the 429 to learn from: the slowest pace there is, for now
    await vi.advanceTimersByTimeAsync(2000);
    expect(queued.sentAt).toBeGreaterThan(1_001_000);
    expect(governor.stats().pacedTenants).toBe(1);
  });
});

describe('upstream governor: probes, budgets and bookkeeping', () => {
  /** Opens tenant A's breaker with 20 failures over 4 calls. */
  function openBreaker(governor: UpstreamGovernor) {
    for (let i = 0; i < 20; i++) {
      const call = ask(governor, ['A'], `f${i % 4}`);
      governor.finished(call.call, 'failed', undefined, undefined);
    }
    expect(governor.stats().breakersOpen).toBe(1);
  }

  it('a probe handed back because a 429 paused its tenant meanwhile is not lost: a later call probes and closes the breaker', async () => {
    const governor = governorOf();
    openBreaker(governor);
    await vi.advanceTimersByTimeAsync(1000);
    const probe = ask(governor, ['A'], 'probe');
    expect(probe.sentAt).toBeDefined();
    // A try already in flight is answered 429 while the probe waits for its slot.
    const inFlight = governor.begin(['A'], { projectId: 'p', sid: 'late' }, undefined);
    governor.finished(inFlight, 'limited', 500, undefined);
    expect(governor.stillUnpaused(probe.call)).toBe(false);
    const again = governor.admit(probe.call, undefined, true);
    let resent = false;
    void again?.then(() => (resent = true));
    await vi.advanceTimersByTimeAsync(600);
    expect(resent).toBe(true);
    governor.finished(probe.call, 'accepted', undefined, undefined);
    expect(governor.stats().breakersOpen).toBe(0);
  });

  it('a paced tenant\'s queued call becomes the probe when its turn comes', async () => {
    const governor = governorOf({ rateLimit: 5 });
    openBreaker(governor);
    await vi.advanceTimersByTimeAsync(1000);
    const queued = ask(governor, ['A'], 'queued');
    await vi.advanceTimersByTimeAsync(500);
    expect(queued.error).toBeUndefined();
    expect(queued.sentAt).toBeDefined();
    governor.finished(queued.call, 'accepted', undefined, undefined);
    expect(governor.stats().breakersOpen).toBe(0);
  });

  it('time a try spends in flight is not waiting: a retry after a long try is still within the budget', async () => {
    const governor = governorOf({ rateLimit: 10, maxWaitMs: 1000 });
    const call = ask(governor, ['A'], 'slow');
    await vi.advanceTimersByTimeAsync(1500);
    governor.finished(call.call, 'failed', undefined, undefined);
    const retry = governor.admit(call.call, undefined);
    let sent = false;
    void retry?.then(() => (sent = true), () => undefined);
    await vi.advanceTimersByTimeAsync(200);
    expect(retry === undefined || sent).toBe(true);
  });

  it('a retry wait ended by the breaker opening is a sent call\'s failure (not unsent): subscriptions count it', async () => {
    const governor = governorOf();
    const sleeper = ask(governor, ['A'], 'sleeper');
    governor.finished(sleeper.call, 'failed', undefined, undefined);
    const wait = governor.retryWait(sleeper.call, 5000, undefined).catch((error: unknown) => error);
    openBreaker(governor);
    const error = (await wait) as UpstreamUnavailableError;
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.unsent).toBe(false);
    expect((ask(governor, ['A'], 'new').error as UpstreamUnavailableError).unsent).toBe(true);
  });

  it('a tenant with a try in flight is never forgotten by the sweep; an idle one with nothing learned is', async () => {
    const governor = governorOf();
    const long = ask(governor, ['A'], 'long');
    await vi.advanceTimersByTimeAsync(11_000);
    ask(governor, ['B'], 'sweeps');
    governor.finished(long.call, 'limited', 3000, undefined);
    // A's pause is held by the tenant its next call finds
    expect(ask(governor, ['A'], 'next').sentAt).toBeUndefined();
    expect(governor.stats().pacedTenants).toBeGreaterThanOrEqual(1);
  });
});

describe('upstream governor: calls of several tenants', () => {
  it('a call held back only by its other tenant moves to that one\'s queue: its first tenant\'s own calls go on', async () => {
    const governor = governorOf();
    const a = ask(governor, ['A'], 'a0');
    const b = ask(governor, ['B'], 'b0');
    governor.finished(a.call, 'limited', 1000, undefined);
    const both = ask(governor, ['A', 'B'], 'ab');
    // B pauses for 5 s while the [A, B] call waits in A's queue
    governor.finished(b.call, 'limited', 5000, undefined);
    await vi.advanceTimersByTimeAsync(1500);
    const onlyA = ask(governor, ['A'], 'a1');
    await vi.advanceTimersByTimeAsync(1200);
    expect(onlyA.sentAt).toBeDefined();
    expect(onlyA.sentAt).toBeLessThan(1_000_000 + 4000);
    expect(both.sentAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(5000);
    expect(both.sentAt).toBeDefined();
  });
});

/**
 * The Talkstack client's retry loop on its own, with a real UpstreamScheduler and the retry
 * sleeps on vitest's fake timers: how many tries, how long between them, that a try gives its
 * slot back before sleeping and queues again like a new request, that cancellation stops it
 * wherever it is (queued for a slot, sleeping), and that the recorder and the tracer hear of
 * every try.
 *
 * The client builds its own transport (createTransport with an undici Pool) and takes no
 * dispatcher, so no answer can be scripted here without a socket. Every try below fails the
 * one way that needs neither a socket nor a server: the client is closed first, so undici's
 * Pool refuses each dispatch synchronously (ClientDestroyedError, a `network` outcome that is
 * retried like a refused connection). How answers are classified (4xx not retried, 404 → null,
 * Retry-After, the last try's error, bodies that are not a call) is checked over HTTP against
 * the simulator: test/integration/talkstack/errorClassification.test.ts and
 * upstreamFaults.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../../src/calls/callDataErrors.js';
import { FetchScope } from '../../../src/fetch/fetchScope.js';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { CancelledError } from '../../../src/talkstack/cancellation.js';
import { createTalkstackClient, type TryRecorder, type TrySpan, type TryTracer } from '../../../src/talkstack/client.js';
import { UpstreamScheduler } from '../../../src/talkstack/scheduler.js';
import type { TryOutcome } from '../../../src/talkstack/transport.js';
import type { CallRequestBody } from '../../../src/talkstack/wire.js';

const credential = makeCredential('Bearer token', 'key') as Credential;
const request: CallRequestBody = { projectId: 'p', sid: 'CA1' };
const REFUSED: TryOutcome = { kind: 'network', cause: 'UND_ERR_DESTROYED' };

interface Try {
  readonly outcome: TryOutcome;
  readonly answered: boolean;
  /** slots held when the recorder heard of it: the try's own is given back first */
  readonly inFlight: number;
}

/** A client whose every try fails at once (see above), with a recorder and a tracer that keep what they hear. */
async function closedClient(retries: number) {
  const scheduler = new UpstreamScheduler(1);
  const tries: Try[] = [];
  const recorder: TryRecorder = {
    record: (outcome, answered, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      tries.push({ outcome, answered, inFlight: scheduler.stats.inFlight });
    },
  };
  const spans: Array<{ request: CallRequestBody; tryNumber: number; headers: Readonly<Record<string, string>>; ended: Array<[TryOutcome, boolean]> }> = [];
  const tracer: TryTracer = {
    start(traced, tryNumber, headers) {
      const span = { request: traced, tryNumber, headers, ended: [] as Array<[TryOutcome, boolean]> };
      spans.push(span);
      const trySpan: TrySpan = { headers: { ...headers, traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` }, end: (outcome, answered) => void span.ended.push([outcome, answered]) };
      return trySpan;
    },
  };
  const client = createTalkstackClient({ baseUrl: 'http://talkstack.invalid', timeoutMs: 1000, retries, maxBodyBytes: 1024, scheduler, recorder, tracer });
  // Closed before the first try (with real timers: undici's destroy settles on its own schedule).
  await client.close();
  vi.useFakeTimers();
  return { client, scheduler, tries, spans };
}

/** Runs the promise callbacks and the fake timers due within `ms`. */
const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);

afterEach(() => {
  vi.useRealTimers();
});

describe('retries of a failed try', () => {
  it('tries 1 + `retries` times, backing off 100, 200, 400 ms, then throws the failure as UPSTREAM_ERROR', async () => {
    const { client, tries } = await closedClient(3);
    const result = client.fetchCall(request, credential).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await elapse(0);
    expect(tries).toHaveLength(1);
    for (const [retry, wait] of [100, 200, 400].entries()) {
      await elapse(wait - 1);
      expect(tries).toHaveLength(retry + 1);
      await elapse(1);
      expect(tries).toHaveLength(retry + 2);
    }
    const error = await result;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', detail: 'UND_ERR_DESTROYED' });
    expect(tries.map((made) => [made.outcome, made.answered])).toEqual(Array.from({ length: 4 }, () => [REFUSED, false]));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with retries 0, the first failure is thrown at once: no sleep, no second try', async () => {
    const { client, tries } = await closedClient(0);
    await expect(client.fetchCall(request, credential)).rejects.toBeInstanceOf(UpstreamError);
    expect(tries).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('upstream slots', () => {
  it('a try gives its slot back before anything else, sleeps without one, and queues again for the next', async () => {
    const { client, scheduler, tries } = await closedClient(1);
    const result = client.fetchCall(request, credential).catch((error: unknown) => error);
    await elapse(0);
    // The recorder heard of the try after its slot was given back.
    expect(tries[0]?.inFlight).toBe(0);
    // Sleeping before the retry: the only slot is free for anyone else meanwhile.
    expect(scheduler.stats).toEqual({ inFlight: 0, waiting: 0, waitingTenants: 0 });
    const held = scheduler.tryAcquire();
    expect(held).toBeDefined();

    await elapse(100);
    // Its sleep over, the retry waits in the fair queue like a new request, as its tenant.
    expect(tries).toHaveLength(1);
    expect(scheduler.stats).toEqual({ inFlight: 1, waiting: 1, waitingTenants: 1 });
    held?.();
    expect(await result).toBeInstanceOf(UpstreamError);
    expect(tries).toHaveLength(2);
    expect(scheduler.stats).toEqual({ inFlight: 0, waiting: 0, waitingTenants: 0 });
  });
});

describe('cancellation', () => {
  it('during the retry sleep: rejects with CancelledError at once, and no further try is made', async () => {
    const { client, tries } = await closedClient(3);
    const scope = new FetchScope();
    const result = client.fetchCall(request, credential, scope).catch((error: unknown) => error);
    await elapse(0);
    expect(tries).toHaveLength(1);
    scope.cancel();
    expect(await result).toBeInstanceOf(CancelledError);
    // The sleep's timer went with it.
    expect(vi.getTimerCount()).toBe(0);
    await elapse(5000);
    expect(tries).toHaveLength(1);
  });

  it('while queued for a slot: rejects with CancelledError, leaves the queue, and never tries', async () => {
    const { client, scheduler, tries, spans } = await closedClient(3);
    const held = scheduler.tryAcquire();
    const scope = new FetchScope();
    const result = client.fetchCall(request, credential, scope).catch((error: unknown) => error);
    await elapse(0);
    expect(scheduler.stats.waiting).toBe(1);
    scope.cancel();
    expect(await result).toBeInstanceOf(CancelledError);
    expect(scheduler.stats).toEqual({ inFlight: 1, waiting: 0, waitingTenants: 0 });
    held?.();
    expect(scheduler.stats.inFlight).toBe(0);
    expect(tries).toHaveLength(0);
    expect(spans).toHaveLength(0);
  });

  it('a scope already ended: rejects with CancelledError without a slot or a try', async () => {
    const { client, scheduler, tries, spans } = await closedClient(3);
    const scope = new FetchScope();
    scope.cancel();
    await expect(client.fetchCall(request, credential, scope)).rejects.toBeInstanceOf(CancelledError);
    expect(scheduler.stats).toEqual({ inFlight: 0, waiting: 0, waitingTenants: 0 });
    expect([tries.length, spans.length]).toEqual([0, 0]);
  });
});

describe('the recorder and the tracer', () => {
  it('each try is a span of its own: started with the request, its number and the credential\'s headers, ended with its outcome', async () => {
    const { client, spans, tries } = await closedClient(2);
    const result = client.fetchCall(request, credential).catch(() => undefined);
    await elapse(1000);
    await result;
    expect(spans.map((span) => span.tryNumber)).toEqual([1, 2, 3]);
    for (const span of spans) {
      expect(span.request).toBe(request);
      expect(span.headers).toBe(credential.upstreamHeaders);
      expect(span.ended).toEqual([[REFUSED, false]]);
    }
    expect(tries).toHaveLength(3);
  });
});

/**
 * The Talkstack client (talkstack/client.ts) against its contract (../shared/api-contract.md,
 * "Errors" and "Retries"), with a real UpstreamScheduler and the per-try timers and retry
 * sleeps on vitest's fake timers. No socket: every try goes to a fake undici Dispatcher
 * (test/support/fakeDispatcher.ts, through the client's `dispatcher` option) that answers it as
 * scripted: a status, headers, body chunks, a connection error, or nothing at all (a hang).
 *
 * Checked here: what is sent (one POST of `{sid, projectId}` with the credential's headers);
 * how each answer is classified (404 → null, the 4xx of the table without a retry, 429/5xx
 * and timeouts retried, a body that is not a call or is over the cap, a status outside the
 * table whose body is the call); how many tries and how long between them (Retry-After in
 * seconds or as an HTTP-date, capped at 5 s, else 100, 200, 400 ms…); that the last try's
 * failure is thrown; that no message carries the credential; that a try gives its slot back
 * before sleeping and queues again like a new request; that cancellation stops the call
 * wherever it is; and that the recorder and the tracer hear of every try.
 *
 * The first tests below need no answer at all: the client is closed before its first try and
 * builds its own undici Pool, which refuses each dispatch synchronously (ClientDestroyedError,
 * a `network` outcome retried like a refused connection). The same over HTTP against the
 * simulator: test/integration/talkstack/errorClassification.test.ts and upstreamFaults.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BadUserInputError,
  type CallDataError,
  ForbiddenError,
  isCallDataError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../../../src/calls/callDataErrors.js';
import { FetchScope } from '../../../src/fetch/fetchScope.js';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { CancelledError } from '../../../src/talkstack/cancellation.js';
import { createTalkstackClient, type TryRecorder, type TrySpan, type TryTracer } from '../../../src/talkstack/client.js';
import type { TalkstackCall } from '../../../src/talkstack/decode.js';
import { FAILURE_MESSAGES } from '../../../src/talkstack/upstreamFailures.js';
import { UpstreamScheduler } from '../../../src/talkstack/scheduler.js';
import type { TryOutcome } from '../../../src/talkstack/transport.js';
import type { CallRequestBody } from '../../../src/talkstack/wire.js';
import { decodedCall } from '../../support/callFixtures.js';
import { FakeDispatcher, type Reply, reply } from '../../support/fakeDispatcher.js';

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

// ---------------------------------------------------------------------------------------------
// Scripted answers: a fake dispatcher in place of the Pool (the client's `dispatcher` option).
// ---------------------------------------------------------------------------------------------

const TIMEOUT_MS = 1000;
const MAX_BODY_BYTES = 1024;
/** The fake clock at the start of each scripted test: HTTP-date Retry-After values are relative to it. */
const NOW = Date.parse('Tue, 30 Jan 2024 13:39:53 GMT');
const SECRET_TOKEN = 'tok-5ecret-7f3a9c';
const SECRET_KEY = 'key-5ecret-91bc2e';
const secretCredential = makeCredential(`Bearer ${SECRET_TOKEN}`, SECRET_KEY) as Credential;
const BUSY = { status: 'busy' };

type Settled = { readonly ok: true; readonly call: TalkstackCall | null } | { readonly ok: false; readonly error: unknown };

/**
 * A client whose tries go to a fake dispatcher answering them with `replies` in order (then
 * `otherwise`, if given), a real scheduler of one slot, fake timers from NOW, and a recorder.
 */
interface ScriptOptions {
  /** the client's `retries` (default 2, as UPSTREAM_RETRIES) */
  retries?: number;
  baseUrl?: string;
  /** the reply to every try after `replies` */
  otherwise?: Reply;
}

function scriptedClient(replies: Reply[], { retries = 2, baseUrl = 'http://talkstack.test', otherwise }: ScriptOptions = {}) {
  vi.useFakeTimers({ now: NOW });
  const dispatcher = new FakeDispatcher().enqueue(...replies).otherwise(otherwise);
  const scheduler = new UpstreamScheduler(1);
  /** per try, whether the recorder heard it was answered */
  const answered: boolean[] = [];
  const recorder: TryRecorder = { record: (_outcome, wasAnswered) => void answered.push(wasAnswered) };
  const client = createTalkstackClient({ baseUrl, timeoutMs: TIMEOUT_MS, retries, maxBodyBytes: MAX_BODY_BYTES, scheduler, recorder, dispatcher });

  /** Starts fetching `asked` with `withCredential`: how it settles (no timer is run). */
  const begin = (asked: CallRequestBody = request, withCredential: Credential = secretCredential): Promise<Settled> =>
    client.fetchCall(asked, withCredential).then(
      (call): Settled => ({ ok: true, call }),
      (error: unknown): Settled => ({ ok: false, error }),
    );
  /** Runs every fake timer until the fetch `begun` is over: the call it resolved with (the test fails if it rejected). */
  const fetched = async (begun: Promise<Settled> = begin()) => {
    await vi.runAllTimersAsync();
    const settled = await begun;
    if (!settled.ok) throw settled.error;
    return settled.call;
  };
  /** Runs every fake timer until the fetch `begun` is over: the error it rejected with (the test fails if it resolved). */
  const failed = async (begun: Promise<Settled> = begin()) => {
    await vi.runAllTimersAsync();
    const settled = await begun;
    if (settled.ok) throw new Error(`expected a failure, got ${JSON.stringify(settled.call)}`);
    return settled.error as CallDataError;
  };
  /** tries made so far */
  const tries = () => dispatcher.exchanges.length;
  /** ms between each try's dispatch and the next's (on the fake clock) */
  const gaps = () => dispatcher.exchanges.slice(1).map((exchange, index) => exchange.dispatchedAt - (dispatcher.exchanges[index]?.dispatchedAt ?? NaN));
  return { client, dispatcher, scheduler, answered, begin, fetched, failed, tries, gaps };
}

/** A call body of exactly `bytes` bytes (JSON with a string `status`). */
function callBodyOfSize(bytes: number): string {
  const bare = JSON.stringify({ status: 'busy', pad: '' });
  return JSON.stringify({ status: 'busy', pad: 'x'.repeat(bytes - bare.length) });
}

const at = (ms: number) => new Date(NOW + ms);

describe('the request sent', () => {
  it('is one POST of exactly {sid, projectId} as JSON to the base URL\'s /call, with the credential\'s headers; a retry sends the same', async () => {
    const { begin, fetched, dispatcher } = scriptedClient([reply.answer(503), reply.json(200, BUSY)], { baseUrl: 'http://talkstack.test/api/v2/' });
    // Whatever else the request object carries is not sent.
    const asked = { projectId: 'proj-1', sid: 'CA42', extra: 'not sent' } as CallRequestBody;
    await fetched(begin(asked));
    expect(dispatcher.exchanges).toHaveLength(2);
    for (const { options } of dispatcher.exchanges) {
      expect(options.method).toBe('POST');
      expect(options.path).toBe('/api/v2/call');
      expect(options.headers).toEqual({ 'content-type': 'application/json', authorization: `Bearer ${SECRET_TOKEN}`, 'x-api-key': SECRET_KEY });
      expect(options.body).toBe('{"sid":"CA42","projectId":"proj-1"}');
    }
  });

  it('with an API key alone, sends that header alone (no Authorization)', async () => {
    const { begin, fetched, dispatcher } = scriptedClient([reply.json(200, BUSY)]);
    await fetched(begin(request, makeCredential(undefined, SECRET_KEY) as Credential));
    expect(dispatcher.last.options.headers).toEqual({ 'content-type': 'application/json', 'x-api-key': SECRET_KEY });
  });
});

describe('answers', () => {
  it('a 2xx call body is decoded and returned after one try, however its bytes are chunked', async () => {
    const body = Buffer.from(
      JSON.stringify({
        status: 'completed',
        seconds: 42,
        cost: 0.12,
        from: '+15550001111',
        to: '+15550002222',
        phoneNumber: '+15550002222',
        date: 'Tue, 30 Jan 2024 13:39:53 +0000',
        recordingUrls: ['https://api.twilio.com/RE1.mp3', 7],
        callSid: 'CA1',
        partnerId: 12,
        shiftId: 'sh-1',
        assignmentId: { odd: true },
        data: { note: 'café' },
        unknownField: 'ignored',
      }),
    );
    // Split inside the two bytes of 'é'.
    const split = body.indexOf(Buffer.from('é')) + 1;
    const { fetched, tries, answered } = scriptedClient([reply.answer(200, [body.subarray(0, split), body.subarray(split)])]);
    expect(await fetched()).toEqual(
      decodedCall({
        status: 'completed',
        seconds: 42,
        cost: 0.12,
        from: '+15550001111',
        to: '+15550002222',
        phoneNumber: '+15550002222',
        date: 'Tue, 30 Jan 2024 13:39:53 +0000',
        recordingUrls: ['https://api.twilio.com/RE1.mp3'],
        callSid: 'CA1',
        partnerId: '12',
        shiftId: 'sh-1',
        assignmentId: null,
        data: { note: 'café' },
      }),
    );
    expect(tries()).toBe(1);
    expect(answered).toEqual([true]);
  });

  it('a 404 is null: one try, no retry, nothing left waiting', async () => {
    const { fetched, tries, answered } = scriptedClient([reply.json(404, BUSY)], { otherwise: reply.json(200, BUSY) });
    expect(await fetched()).toBeNull();
    expect(tries()).toBe(1);
    expect(answered).toEqual([true]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [400, BadUserInputError, 'BAD_USER_INPUT'],
    [401, UnauthenticatedError, 'UNAUTHENTICATED'],
    [403, ForbiddenError, 'FORBIDDEN'],
  ] as const)('a %i is %s (%s): one try, not retried, its body (even a call) ignored', async (status, type, code) => {
    const { failed, tries, answered } = scriptedClient([reply.json(status, BUSY, { 'retry-after': '1' })], { otherwise: reply.json(200, BUSY) });
    const error = await failed();
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code, message: FAILURE_MESSAGES[code] });
    expect(tries()).toBe(1);
    expect(answered).toEqual([false]);
  });

  it.each([301, 302, 402, 409, 418, 422])('a %i (outside the error table) whose JSON body has a string `status` is the call', async (status) => {
    const { fetched, tries } = scriptedClient([reply.json(status, { status: 'in-progress', seconds: 3 })]);
    expect(await fetched()).toEqual(decodedCall({ status: 'in-progress', seconds: 3 }));
    expect(tries()).toBe(1);
  });

  it('a status outside the table whose body is not a call is UPSTREAM_ERROR, not retried', async () => {
    const { failed, tries } = scriptedClient([reply.answer(418, 'I am a teapot')], { otherwise: reply.json(200, BUSY) });
    expect(await failed()).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(tries()).toBe(1);
  });

  it.each([
    [200, ''],
    [200, 'not json'],
    [200, 'null'],
    [200, '[{"status":"busy"}]'],
    [200, '{"status":5}'],
    [200, '{"sid":"CA1","seconds":3}'],
    [201, '"busy"'],
    [204, ''],
    [299, '{}'],
  ])('a %i with the body %j is not a call: UPSTREAM_BAD_RESPONSE, not retried', async (status, body) => {
    const { failed, tries } = scriptedClient([reply.answer(status, body)], { otherwise: reply.json(200, BUSY) });
    const error = await failed();
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', message: FAILURE_MESSAGES.UPSTREAM_BAD_RESPONSE });
    expect(tries()).toBe(1);
  });
});

describe('the body cap (maxBodyBytes)', () => {
  it('a call body of exactly maxBodyBytes is read', async () => {
    const body = callBodyOfSize(MAX_BODY_BYTES);
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    const { fetched } = scriptedClient([reply.answer(200, [body.slice(0, 100), body.slice(100)])]);
    expect(await fetched()).toMatchObject({ status: 'busy' });
  });

  it.each([200, 418])('a %i body one byte over it is UPSTREAM_BAD_RESPONSE, not retried, the rest not read', async (status) => {
    const body = callBodyOfSize(MAX_BODY_BYTES + 1);
    const { failed, tries, dispatcher } = scriptedClient([reply.answer(status, [body.slice(0, 100), body.slice(100)])], { otherwise: reply.json(200, BUSY) });
    const error = await failed();
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(tries()).toBe(1);
    expect(dispatcher.last.controller.abortCalls).toBe(1);
  });

  it('a table status is classified without its body, however large: a 503 is retried, a 404 is null', async () => {
    const big = 'x'.repeat(4 * MAX_BODY_BYTES);
    const { fetched, tries } = scriptedClient([reply.answer(503, big), reply.answer(404, big)]);
    expect(await fetched()).toBeNull();
    expect(tries()).toBe(2);
  });
});

describe('what is not an HTTP answer', () => {
  it.each([99, 600])('status %i is UPSTREAM_ERROR, not retried', async (status) => {
    const { failed, tries } = scriptedClient([reply.answer(status, JSON.stringify(BUSY))], { otherwise: reply.json(200, BUSY) });
    expect(await failed()).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(tries()).toBe(1);
  });

  it('an answer that is not HTTP (llhttp error) is UPSTREAM_ERROR, not retried', async () => {
    const parserError = Object.assign(new Error('Parse Error: Invalid status code'), { name: 'HTTPParserError', code: 'HPE_INVALID_STATUS' });
    const { failed, tries } = scriptedClient([reply.fail(parserError)], { otherwise: reply.json(200, BUSY) });
    expect(await failed()).toMatchObject({ code: 'UPSTREAM_ERROR', detail: 'HPE_INVALID_STATUS' });
    expect(tries()).toBe(1);
  });

  it('a network failure is retried, then UPSTREAM_ERROR named by its code', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { failed, tries } = scriptedClient([], { retries: 2, otherwise: reply.fail(reset) });
    expect(await failed()).toMatchObject({ code: 'UPSTREAM_ERROR', detail: 'ECONNRESET' });
    expect(tries()).toBe(3);
  });
});

describe('retries', () => {
  it.each([
    [429, RateLimitedError, 'RATE_LIMITED'],
    [500, UpstreamError, 'UPSTREAM_ERROR'],
    [502, UpstreamError, 'UPSTREAM_ERROR'],
    [503, UpstreamError, 'UPSTREAM_ERROR'],
    [504, UpstreamError, 'UPSTREAM_ERROR'],
    [599, UpstreamError, 'UPSTREAM_ERROR'],
  ] as const)('a %i on every try is retried `retries` times, then thrown as %s (%s)', async (status, type, code) => {
    for (const retries of [0, 1, 3]) {
      const { failed, tries, answered } = scriptedClient([], { retries, otherwise: reply.json(status, BUSY) });
      const error = await failed();
      expect(error).toBeInstanceOf(type);
      expect(error.code).toBe(code);
      expect(tries()).toBe(1 + retries);
      expect(answered).toEqual(Array.from({ length: 1 + retries }, () => false));
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  it('a 429 on the last try says so in the client\'s words', async () => {
    const { failed } = scriptedClient([], { otherwise: reply.answer(429) });
    expect(await failed()).toMatchObject({ message: FAILURE_MESSAGES.RATE_LIMITED });
  });

  it('a retry that is answered ends the retries: 503 then a call is the call; 503 then 404 is null', async () => {
    const first = scriptedClient([reply.answer(503), reply.answer(429), reply.json(200, BUSY)], { retries: 3, otherwise: reply.answer(500) });
    expect(await first.fetched()).toEqual(decodedCall({ status: 'busy' }));
    expect(first.tries()).toBe(3);
    expect(first.answered).toEqual([false, false, true]);
    const second = scriptedClient([reply.answer(503), reply.answer(404)], { retries: 3, otherwise: reply.answer(500) });
    expect(await second.fetched()).toBeNull();
    expect(second.tries()).toBe(2);
  });

  it.each([
    ['500, 500, 429', [reply.answer(500), reply.answer(500), reply.answer(429)], RateLimitedError],
    ['429, 429, 503', [reply.answer(429), reply.answer(429), reply.answer(503)], UpstreamError],
    ['503, 429, timeout', [reply.answer(503), reply.answer(429), reply.hang()], UpstreamTimeoutError],
    ['timeout, timeout, 502', [reply.hang(), reply.hang(), reply.answer(502)], UpstreamError],
    ['timeout, 429, network error', [reply.hang(), reply.answer(429), reply.fail(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))], UpstreamError],
    ['503, 429, 400 (a table 4xx ends the retries)', [reply.answer(503), reply.answer(429), reply.answer(400)], BadUserInputError],
    ['429, 403', [reply.answer(429), reply.answer(403)], ForbiddenError],
  ])('the last try\'s failure is thrown: %s', async (_name, replies, type) => {
    const { failed, tries } = scriptedClient(replies, { retries: 2, otherwise: reply.json(200, BUSY) });
    expect(await failed()).toBeInstanceOf(type);
    expect(tries()).toBe(replies.length);
  });

  it('without Retry-After, waits 100, 200, 400, 800, 1600 ms, then 2 s at most, between tries', async () => {
    const { begin, failed, gaps, dispatcher } = scriptedClient([], { retries: 7, otherwise: reply.answer(503) });
    const pending = begin();
    // Not a millisecond early: one try, then the second exactly 100 ms later.
    await vi.advanceTimersByTimeAsync(99);
    expect(dispatcher.exchanges).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(dispatcher.exchanges).toHaveLength(2);
    expect(await failed(pending)).toBeInstanceOf(UpstreamError);
    expect(gaps()).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });

  describe('Retry-After', () => {
    const cases: Array<[string, string, number]> = [
      ['delta seconds', '2', 2000],
      ['fractional seconds', '1.5', 1500],
      ['zero', '0', 0],
      ['seconds over 5 s (capped)', '120', 5000],
      ['an IMF-fixdate 3 s ahead', at(3000).toUTCString(), 3000],
      ['an RFC 850 date 3 s ahead', 'Tuesday, 30-Jan-24 13:39:56 GMT', 3000],
      ['an asctime date 3 s ahead', 'Tue Jan 30 13:39:56 2024', 3000],
      ['an HTTP-date an hour ahead (capped)', at(3_600_000).toUTCString(), 5000],
      ['an HTTP-date in the past', at(-10_000).toUTCString(), 0],
      ['something unparsable (normal backoff)', 'soon', 100],
      ['an ISO date, not an HTTP-date (normal backoff)', at(3000).toISOString(), 100],
    ];
    it.each(cases.flatMap(([name, value, waitMs]) => [429, 503].map((status) => [status, name, value, waitMs] as const)))(
      'after a %i, %s (%j) is waited: %i ms, then the retry is answered',
      async (status, _name, value, waitMs) => {
        const { fetched, gaps } = scriptedClient([reply.answer(status, [], { 'retry-after': value }), reply.json(200, BUSY)], { retries: 1 });
        expect(await fetched()).toEqual(decodedCall({ status: 'busy' }));
        expect(gaps()).toEqual([waitMs]);
      },
    );

    it('each retry waits by its own answer: Retry-After when sent (an HTTP-date from when it came), else the backoff of its number', async () => {
      const { fetched, gaps } = scriptedClient(
        [
          reply.answer(503, [], { 'retry-after': '2' }),
          reply.answer(429),
          // Answered at NOW + 2.2 s: the date 4 s after NOW is 1.8 s away.
          reply.answer(429, [], { 'retry-after': at(4000).toUTCString() }),
          reply.json(200, BUSY),
        ],
        { retries: 3 },
      );
      expect(await fetched()).toMatchObject({ status: 'busy' });
      expect(gaps()).toEqual([2000, 200, 1800]);
    });
  });

  it('a timeout on every try is UPSTREAM_TIMEOUT after 1 + retries tries, each aborted, holding its slot only while it runs', async () => {
    const { begin, failed, gaps, dispatcher, scheduler, answered } = scriptedClient(
      [
        // never connects
        reply.hang(),
        // a head, then a body that never ends
        reply.hang({ status: 200, body: '{"status":' }),
        // a head, then silence
        reply.hang({ status: 201 }),
      ],
      { retries: 2, otherwise: reply.json(200, BUSY) },
    );
    const pending = begin();
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 1);
    expect([dispatcher.exchanges.length, scheduler.stats.inFlight]).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(1);
    // Timed out, sleeping before the retry: no slot held.
    expect([dispatcher.exchanges.length, scheduler.stats.inFlight]).toEqual([1, 0]);
    const error = await failed(pending);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', message: FAILURE_MESSAGES.UPSTREAM_TIMEOUT });
    expect(gaps()).toEqual([TIMEOUT_MS + 100, TIMEOUT_MS + 200]);
    expect(answered).toEqual([false, false, false]);
    const [never, dripping, silent] = dispatcher.exchanges;
    // The try that never connected is aborted as soon as undici starts it.
    expect(never?.start().controller.abortCalls).toBe(1);
    expect([dripping?.controller.abortCalls, silent?.controller.abortCalls]).toEqual([1, 1]);
    expect(scheduler.stats).toEqual({ inFlight: 0, waiting: 0, waitingTenants: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a table status whose body never ends is that status when the timer fires, not a timeout', async () => {
    const { failed, tries } = scriptedClient([], { retries: 1, otherwise: reply.hang({ status: 503, body: 'still going' }) });
    expect(await failed()).toBeInstanceOf(UpstreamError);
    expect(tries()).toBe(2);
  });
});

describe('the credential is never in a failure', () => {
  const echo = `bad credential: Bearer ${SECRET_TOKEN} / ${SECRET_KEY}`;
  const scenarios: Array<[string, Reply[]]> = [
    ['400', [reply.answer(400, echo)]],
    ['401', [reply.answer(401, echo, { 'www-authenticate': `Bearer ${SECRET_TOKEN}` })]],
    ['403', [reply.answer(403, echo)]],
    ['429 on every try', [reply.answer(429, echo, { 'retry-after': '0' })]],
    ['503 on every try', [reply.answer(503, echo)]],
    ['a timeout on every try', [reply.hang({ status: 200, body: echo })]],
    ['a 2xx that is not a call', [reply.json(200, { error: echo })]],
    ['a 2xx over the cap', [reply.answer(200, echo.repeat(Math.ceil(MAX_BODY_BYTES / echo.length) + 1))]],
    ['a 418 that is not a call', [reply.answer(418, echo)]],
    ['status 600', [reply.answer(600, echo)]],
    ['not HTTP', [reply.fail(Object.assign(new Error(`Parse Error: ${echo}`), { name: 'HTTPParserError', code: 'HPE_INVALID_STATUS' }))]],
    ['a network error with a code', [reply.fail(Object.assign(new Error(`connect ECONNREFUSED (${echo})`), { code: 'ECONNREFUSED' }))]],
    ['a network error without a code', [reply.fail(new Error(echo))]],
    ['a network error wrapping one', [reply.fail(Object.assign(new Error('fetch failed'), { cause: new Error(echo) }))]],
  ];
  it.each(scenarios)('%s: a domain error whose message, detail and text never carry it', async (_name, replies) => {
    const { failed, dispatcher } = scriptedClient([], { retries: 1, otherwise: replies[0] });
    const error = await failed();
    expect(isCallDataError(error)).toBe(true);
    // The credential was sent...
    expect(dispatcher.last.options.headers).toMatchObject({ authorization: `Bearer ${SECRET_TOKEN}`, 'x-api-key': SECRET_KEY });
    // ...and appears nowhere in what the failure says.
    const said = [error.message, error.detail ?? '', String(error), error.stack ?? '', JSON.stringify(error)].join('\n');
    expect(said).not.toContain(SECRET_TOKEN);
    expect(said).not.toContain(SECRET_KEY);
    expect(said).not.toContain('5ecret');
  });
});

describe('cancellation of a scripted try', () => {
  it('mid-try: rejects with CancelledError at once, aborts the try, frees its slot, and tries no more', async () => {
    const { client, dispatcher, scheduler, answered } = scriptedClient([], { otherwise: reply.hang({ status: 200, body: '{"sta' }) });
    const scope = new FetchScope();
    const result = client.fetchCall(request, secretCredential, scope).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect([dispatcher.exchanges.length, scheduler.stats.inFlight]).toEqual([1, 1]);
    scope.cancel();
    expect(await result).toBeInstanceOf(CancelledError);
    expect(dispatcher.last.controller.abortCalls).toBe(1);
    expect(scheduler.stats.inFlight).toBe(0);
    expect(answered).toEqual([false]);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * TIMEOUT_MS);
    expect(dispatcher.exchanges).toHaveLength(1);
  });
});

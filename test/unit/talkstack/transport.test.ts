/**
 * One upstream try (talkstack/transport.ts) over a fake undici Dispatcher that the test drives
 * by hand (test/support/fakeDispatcher.ts), calling the try's handler as undici does
 * (onRequestStart, onResponseStart, onResponseData…, onResponseEnd, or onResponseError), with
 * a controller that records `abort`. No socket and no real timer: the per-try timer runs on
 * vitest's fake timers. What is checked is the transport's own contract: every way a try can
 * end is one `TryOutcome`; a body is kept only when it must be parsed and only up to
 * `maxBodyBytes`; a try stopped from outside (timer, cap, odd status, cancellation) is aborted
 * in undici; and a try leaves no timer and no listener behind. Over real sockets against the
 * simulator: test/integration/talkstack/upstreamFaults.test.ts.
 */
import { errors } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FetchScope } from '../../../src/fetch/fetchScope.js';
import { createTransport, type TryOutcome } from '../../../src/talkstack/transport.js';
import { FakeDispatcher } from '../../support/fakeDispatcher.js';

const TIMEOUT_MS = 1000;
const MAX_BODY_BYTES = 32;

/** A real scope that also counts the listeners it holds: a try must not leave one behind. */
class CountingScope extends FetchScope {
  listening = 0;
  override listen(listener: () => void): () => void {
    const off = super.listen(listener);
    this.listening++;
    let on = true;
    return () => {
      if (on) this.listening--;
      on = false;
      off();
    };
  }
}

function setUp(baseUrl = 'http://talkstack.test') {
  const dispatcher = new FakeDispatcher();
  const transport = createTransport({ baseUrl, connections: 1, timeoutMs: TIMEOUT_MS, maxBodyBytes: MAX_BODY_BYTES, dispatcher });
  let outcome: TryOutcome | undefined;
  const send = (cancellation?: FetchScope) => {
    const pending = transport.send('/call', { 'x-api-key': 'k' }, '{"sid":"CA1","projectId":"p"}', cancellation);
    void pending.then((value) => void (outcome = value));
    return pending;
  };
  /** The outcome once the promise callbacks queued so far have run; undefined while the try goes on. */
  const settled = async () => {
    await vi.advanceTimersByTimeAsync(0);
    return outcome;
  };
  return { dispatcher, transport, send, settled };
}

const answer = (status: number, body?: string, retryAfter?: string): TryOutcome => ({
  kind: 'answer',
  status,
  body: body === undefined ? undefined : Buffer.from(body),
  retryAfter,
  rateLimit: undefined,
});

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the request', () => {
  it('is one POST of the body to the base URL\'s path, with the headers given', async () => {
    const { dispatcher, send } = setUp('http://talkstack.test/api/v2/');
    void send();
    expect(dispatcher.last.options).toMatchObject({ path: '/api/v2/call', method: 'POST', headers: { 'x-api-key': 'k' }, body: '{"sid":"CA1","projectId":"p"}' });
  });

  it('close() destroys the dispatcher', async () => {
    const { dispatcher, transport } = setUp();
    await transport.close();
    expect(dispatcher.destroyed).toBe(true);
  });
});

describe('answers', () => {
  it('a 2xx body is read whole and returned; the try leaves no timer and no listener behind', async () => {
    const { dispatcher, send } = setUp();
    const scope = new CountingScope();
    const pending = send(scope);
    expect(scope.listening).toBe(1);
    dispatcher.last.answer(200, ['{"status":', '"busy"}']);
    expect(await pending).toEqual(answer(200, '{"status":"busy"}'));
    expect(vi.getTimerCount()).toBe(0);
    expect(scope.listening).toBe(0);
    expect(dispatcher.last.controller.abortCalls).toBe(0);
  });

  it('a body of exactly maxBodyBytes is read; an empty one is an empty buffer', async () => {
    const { dispatcher, send } = setUp();
    const full = send();
    dispatcher.last.answer(200, ['x'.repeat(MAX_BODY_BYTES - 4), 'yyyy']);
    expect(await full).toEqual(answer(200, `${'x'.repeat(MAX_BODY_BYTES - 4)}yyyy`));
    const empty = send();
    dispatcher.last.answer(204);
    expect(await empty).toEqual(answer(204, ''));
  });

  it.each([400, 401, 403, 404])('a %i is classified without keeping its body, nor its Retry-After', async (status) => {
    const { dispatcher, send } = setUp();
    const pending = send();
    dispatcher.last.answer(status, ['{"status":"busy"}'], { 'retry-after': '3' });
    expect(await pending).toEqual(answer(status));
  });

  it.each([429, 500, 503, 599])('a %i is classified without keeping its body, with its Retry-After', async (status) => {
    const { dispatcher, send } = setUp();
    const pending = send();
    dispatcher.last.answer(status, ['{"status":"busy"}'], { 'retry-after': '3' });
    expect(await pending).toEqual(answer(status, undefined, '3'));
  });

  it('a status outside the table (418, 302) is read: its body may be the call', async () => {
    const { dispatcher, send } = setUp();
    const teapot = send();
    dispatcher.last.answer(418, ['{"status":"busy"}'], { 'retry-after': '3' });
    expect(await teapot).toEqual(answer(418, '{"status":"busy"}'));
    const redirect = send();
    dispatcher.last.answer(302, ['moved']);
    expect(await redirect).toEqual(answer(302, 'moved'));
  });

  it('an informational 1xx is skipped: the answer after it on the same exchange counts', async () => {
    const { dispatcher, send } = setUp();
    const pending = send();
    dispatcher.last.start().head(103, { link: '</x>' }).head(200).data('{}').end();
    expect(await pending).toEqual(answer(200, '{}'));
  });
});

describe('the body cap', () => {
  it('a body to parse over maxBodyBytes is tooLarge, and the rest is not read (aborted)', async () => {
    const { dispatcher, send, settled } = setUp();
    void send();
    const exchange = dispatcher.last.start().head(200).data('x'.repeat(MAX_BODY_BYTES));
    expect(await settled()).toBeUndefined();
    exchange.data('y');
    expect(await settled()).toEqual({ kind: 'tooLarge' });
    expect(exchange.controller.abortCalls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a table status over the cap is still its answer (its body was never needed), aborted all the same', async () => {
    const { dispatcher, send, settled } = setUp();
    void send();
    const exchange = dispatcher.last.start().head(503, { 'retry-after': '1' }).data('x'.repeat(MAX_BODY_BYTES + 1));
    expect(await settled()).toEqual(answer(503, undefined, '1'));
    expect(exchange.controller.abortCalls).toBe(1);
  });
});

describe('what is not an HTTP answer', () => {
  it.each([99, 600, 1000])('status %i is oddStatus: its body is ignored and the connection dropped', async (status) => {
    const { dispatcher, send, settled } = setUp();
    void send();
    const exchange = dispatcher.last.start().head(status);
    expect(await settled()).toEqual({ kind: 'oddStatus', status });
    expect(exchange.controller.abortCalls).toBe(1);
  });

  it('an llhttp error (HPE_*) is malformed: the peer spoke, but not HTTP', async () => {
    const { dispatcher, send, settled } = setUp();
    void send();
    dispatcher.last.start().fail(Object.assign(new Error('Parse Error: Invalid status code'), { name: 'HTTPParserError', code: 'HPE_INVALID_STATUS' }));
    expect(await settled()).toEqual({ kind: 'malformed', cause: 'HPE_INVALID_STATUS' });
    void send();
    dispatcher.last.start().fail(Object.assign(new Error('wrapped'), { cause: { code: 'HPE_INVALID_CONSTANT' } }));
    expect(await settled()).toEqual({ kind: 'malformed', cause: 'HPE_INVALID_CONSTANT' });
  });

  it('any other failure is a network failure named by a code safe to log, never by its message', async () => {
    const { dispatcher, send, settled } = setUp();
    const causes: unknown[] = [];
    const failures: Error[] = [
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443 (Bearer secret-token)'), { code: 'ECONNREFUSED' }),
      // A wrapper names what it wraps: the inner code wins.
      Object.assign(new Error('fetch failed'), { code: 'UND_ERR_X', cause: { code: 'ECONNRESET' } }),
      new errors.SocketError('other side closed: Bearer secret-token'),
      // Without any code, the error's class name only.
      new TypeError('secret-token'),
    ];
    for (const failure of failures) {
      void send();
      dispatcher.last.start().head(200).data('{"st').fail(failure);
      const outcome = await settled();
      expect(outcome?.kind).toBe('network');
      causes.push(outcome?.kind === 'network' ? outcome.cause : undefined);
    }
    expect(causes).toEqual(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'TypeError']);
  });

  it('a dispatch that throws is a network failure too, never a rejection', async () => {
    const { dispatcher, send } = setUp();
    dispatcher.throwOnDispatch = new errors.ClientDestroyedError();
    expect(await send()).toEqual({ kind: 'network', cause: 'UND_ERR_DESTROYED' });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('one timer per try', () => {
  it('covers the whole body: a body still dripping when it fires is a timeout, and the request is aborted', async () => {
    const { dispatcher, send, settled } = setUp();
    void send();
    const exchange = dispatcher.last.start().head(200);
    // Never silent for long (undici's bodyTimeout would never fire), still too slow in all.
    for (let elapsed = 0; elapsed < TIMEOUT_MS - 100; elapsed += 100) {
      exchange.data('x');
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(await settled()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    expect(await settled()).toEqual({ kind: 'timeout' });
    expect(exchange.controller.abortCalls).toBe(1);
  });

  it('covers connecting: a try that never got a connection times out, and is aborted as soon as undici starts it', async () => {
    const { dispatcher, send } = setUp();
    const pending = send();
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await pending).toEqual({ kind: 'timeout' });
    const exchange = dispatcher.last.start();
    expect(exchange.controller.abortCalls).toBe(1);
  });

  it('a table status decides by itself: a slow body after it is that answer, not a timeout', async () => {
    const { dispatcher, send, settled } = setUp();
    void send();
    const exchange = dispatcher.last.start().head(429, { 'retry-after': '2' }).data('x');
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await settled()).toEqual(answer(429, undefined, '2'));
    expect(exchange.controller.abortCalls).toBe(1);
  });
});

describe('cancellation', () => {
  it('mid-try: cancelled at once, the request aborted, nothing left behind', async () => {
    const { dispatcher, send, settled } = setUp();
    const scope = new CountingScope();
    void send(scope);
    const exchange = dispatcher.last.start().head(200).data('{"sta');
    scope.cancel();
    expect(await settled()).toEqual({ kind: 'cancelled' });
    expect(exchange.controller.abortCalls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(scope.listening).toBe(0);
    // What undici might still deliver changes nothing.
    exchange.fail(new Error('late'));
    expect(await settled()).toEqual({ kind: 'cancelled' });
  });

  it('while connecting: cancelled at once, and the request is aborted before it is written', async () => {
    const { dispatcher, send, settled } = setUp();
    const scope = new FetchScope();
    void send(scope);
    scope.cancel();
    expect(await settled()).toEqual({ kind: 'cancelled' });
    expect(dispatcher.last.start().controller.abortCalls).toBe(1);
  });

  it('a scope already ended sends nothing', async () => {
    const { dispatcher, send } = setUp();
    const controller = new AbortController();
    controller.abort();
    expect(await send(new FetchScope(controller.signal))).toEqual({ kind: 'cancelled' });
    expect(dispatcher.exchanges).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

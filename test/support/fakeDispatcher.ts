/**
 * A fake undici `Dispatcher` for tests of the upstream path (talkstack/transport.ts, and the
 * client through its `dispatcher` option): no socket, no server, no real timer.
 *
 * What it fakes: the one method the transport uses, `dispatch(options, handler)`, and the
 * `DispatchController` undici hands the handler. Each dispatch is kept as an `Exchange` (its
 * options and handler) and the test plays undici's part, calling the handler as undici does:
 * `onRequestStart`, `onResponseStart`, `onResponseData`…, then `onResponseEnd` or
 * `onResponseError`. The controller records `abort`; once aborted (or ended) an exchange
 * stops calling the handler, and, as undici does, tells it of the abort through
 * `onResponseError` a little later (on a microtask).
 *
 * Why: a try's outcomes that matter (a body dripping past the timer, a body over the cap, a
 * status undici cannot parse, a connection that never comes) are slow, racy or impossible to
 * produce over loopback; step by step they are exact, and with vitest's fake timers a whole
 * retry sequence runs in microseconds. Over real sockets against the simulator:
 * test/integration/talkstack/.
 *
 * Two ways to answer:
 * - by hand: `dispatcher.last.start().head(200).data('{"st')…` (transport tests);
 * - scripted: `dispatcher.enqueue(reply.json(503), reply.answer(200, '{"status":"busy"}'))`
 *   answers the next dispatches in order, `dispatcher.otherwise(reply.hang())` every one after
 *   those. A scripted reply is played on a microtask after its dispatch (undici never answers
 *   inside `dispatch`). A dispatch with no reply scripted is left for the test to drive.
 * `throwOnDispatch` makes `dispatch` itself throw, as undici's may (a destroyed Pool).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Dispatcher } from 'undici';

/** A body chunk: a string is sent as its UTF-8 bytes; a Buffer as is (to split a character). */
export type Chunk = string | Buffer;

/** How a scripted exchange goes. */
export interface Reply {
  /** the response head; without one the response never starts */
  readonly status?: number;
  readonly headers?: IncomingHttpHeaders;
  /** chunks delivered one `onResponseData` each, after the head */
  readonly body?: readonly Chunk[];
  /**
   * After the body: `'end'` completes the response; `'hang'` sends nothing more (only the
   * try's own timer or a cancellation ends it); an Error is reported through `onResponseError`.
   */
  readonly then: 'end' | 'hang' | Error;
  /** whether undici starts the request (a connection was had): false only for a try that never connects */
  readonly connects: boolean;
}

const chunks = (body: string | readonly Chunk[]): readonly Chunk[] => (typeof body === 'string' ? [body] : body);

/** Scripted replies. */
export const reply = {
  /** A complete answer: status, body (a string is one chunk), headers. */
  answer(status: number, body: string | readonly Chunk[] = [], headers: IncomingHttpHeaders = {}): Reply {
    return { status, headers, body: chunks(body), then: 'end', connects: true };
  },
  /** A complete answer whose body is `value` as JSON, in one chunk. */
  json(status: number, value: unknown, headers: IncomingHttpHeaders = {}): Reply {
    return reply.answer(status, JSON.stringify(value), headers);
  },
  /** The connection fails with `error` (after a head and body when given): undici's `onResponseError`. */
  fail(error: Error, partial: { status?: number; headers?: IncomingHttpHeaders; body?: string | readonly Chunk[] } = {}): Reply {
    return { ...partial, body: chunks(partial.body ?? []), then: error, connects: true };
  },
  /**
   * Nothing more ever comes: without `partial`, the request never even gets a connection
   * (undici is connecting forever); with it, the head and body given, then silence.
   */
  hang(partial?: { status: number; headers?: IncomingHttpHeaders; body?: string | readonly Chunk[] }): Reply {
    if (!partial) return { then: 'hang', connects: false };
    return { ...partial, body: chunks(partial.body ?? []), then: 'hang', connects: true };
  },
} as const;

/** undici's controller as a handler sees it; `abort` is counted (and acts once). */
export class FakeController implements Dispatcher.DispatchController {
  abortCalls = 0;
  #reason: Error | null = null;

  constructor(private readonly onAbort: (reason: Error) => void) {}

  get aborted(): boolean {
    return this.#reason !== null;
  }
  get paused(): boolean {
    return false;
  }
  get reason(): Error | null {
    return this.#reason;
  }
  abort(reason: Error): void {
    this.abortCalls++;
    if (this.#reason !== null) return;
    this.#reason = reason;
    this.onAbort(reason);
  }
  pause(): void {}
  resume(): void {}
}

/** One request given to the fake dispatcher: the test (or its script) plays undici's part, one step at a time. */
export class Exchange {
  readonly controller: FakeController;
  /** the (fake) clock when it was dispatched: `Date.now()`, so vitest's fake time under fake timers */
  readonly dispatchedAt = Date.now();
  #over = false;

  constructor(
    readonly options: Dispatcher.DispatchOptions,
    readonly handler: Dispatcher.DispatchHandler,
  ) {
    // undici tells the handler of an aborted request through onResponseError, a little later.
    this.controller = new FakeController((reason) => queueMicrotask(() => this.handler.onResponseError?.(this.controller, reason)));
  }

  /** undici stops calling a handler once its request was aborted or ended. */
  get #live(): boolean {
    return !this.#over && !this.controller.aborted;
  }

  /** The request is on its way (undici: it has a connection). */
  start(): this {
    this.handler.onRequestStart?.(this.controller, {});
    return this;
  }
  head(status: number, headers: IncomingHttpHeaders = {}): this {
    if (this.#live) this.handler.onResponseStart?.(this.controller, status, headers);
    return this;
  }
  data(chunk: Chunk): this {
    if (this.#live) this.handler.onResponseData?.(this.controller, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return this;
  }
  end(): this {
    if (this.#live) {
      this.#over = true;
      this.handler.onResponseEnd?.(this.controller, {});
    }
    return this;
  }
  fail(error: Error): this {
    if (this.#live) {
      this.#over = true;
      this.handler.onResponseError?.(this.controller, error);
    }
    return this;
  }
  /** A whole answer in one go. */
  answer(status: number, body: readonly Chunk[] = [], headers: IncomingHttpHeaders = {}): this {
    this.start().head(status, headers);
    for (const chunk of body) this.data(chunk);
    return this.end();
  }
  /** Plays a scripted reply through the steps above. */
  play(script: Reply): this {
    if (!script.connects) return this;
    this.start();
    if (script.status !== undefined) this.head(script.status, script.headers);
    for (const chunk of script.body ?? []) this.data(chunk);
    if (script.then === 'end') this.end();
    else if (script.then instanceof Error) this.fail(script.then);
    return this;
  }
}

/** A Dispatcher that keeps every request, answering those it has a reply scripted for. */
export class FakeDispatcher extends Dispatcher {
  readonly exchanges: Exchange[] = [];
  destroyed = false;
  /** thrown by every dispatch while set, as undici's dispatch may throw */
  throwOnDispatch: Error | undefined;
  readonly #queued: Reply[] = [];
  #otherwise: Reply | undefined;

  /** Replies for the next dispatches, in order. */
  enqueue(...replies: Reply[]): this {
    this.#queued.push(...replies);
    return this;
  }

  /** The reply to every dispatch once the queued ones are used up (undefined: left to the test). */
  otherwise(script: Reply | undefined): this {
    this.#otherwise = script;
    return this;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.throwOnDispatch) throw this.throwOnDispatch;
    const exchange = new Exchange(options, handler);
    this.exchanges.push(exchange);
    const script = this.#queued.shift() ?? this.#otherwise;
    if (script) queueMicrotask(() => exchange.play(script));
    return true;
  }
  override close(): Promise<void> {
    return this.destroy();
  }
  override destroy(): Promise<void> {
    this.destroyed = true;
    return Promise.resolve();
  }

  get last(): Exchange {
    const exchange = this.exchanges.at(-1);
    if (!exchange) throw new Error('nothing was dispatched');
    return exchange;
  }
}

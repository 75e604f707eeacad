/**
 * A minimal GraphQL-over-SSE client for tests (Yoga's distinct-connections mode): one fetch
 * with `accept: text/event-stream`, its body parsed into `next` / `complete` events in the
 * background. Every wait is bounded.
 */

export interface ExecutionPayload<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown> }>;
}

export type SseEvent<TData = Record<string, unknown>> =
  | { event: 'next'; payload: ExecutionPayload<TData> }
  | { event: 'complete' }
  | { event: string; data: string };

/** Longest any single wait may take unless told otherwise. */
export const SSE_WAIT_MS = 5000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One SSE message as written on the wire: its event name (`message` when none) and data lines joined. */
export interface SseMessage {
  event: string;
  data: string;
}

/** Parses one SSE message block (lines between blank lines); null for comments/pings. */
export function parseSseMessage(block: string): SseMessage | null {
  let event = 'message';
  const data: string[] = [];
  let sawField = false;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    sawField = true;
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return sawField ? { event, data: data.join('\n') } : null;
}

/**
 * The messages of a `text/event-stream` body as they arrive; comments (keep-alives) are
 * skipped. Stopping the iteration cancels the body, i.e. the client leaves.
 */
export async function* sseMessages(body: NonNullable<Response['body']>): AsyncGenerator<SseMessage> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const message = parseSseMessage(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (message) yield message;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** A GraphQL-over-SSE event: `next` carries an execution result, `complete` nothing. */
function toEvent<TData>({ event, data }: SseMessage): SseEvent<TData> {
  if (event === 'next') return { event: 'next', payload: JSON.parse(data) as ExecutionPayload<TData> };
  if (event === 'complete') return { event: 'complete' };
  return { event, data };
}

export class SseSubscription<TData = Record<string, unknown>> {
  readonly events: SseEvent<TData>[] = [];
  /** resolves when the body ends, normally or not; `error` is set when not */
  readonly ended: Promise<void>;
  error: unknown;
  #finished = false;
  #waiters: Array<() => void> = [];

  constructor(
    readonly response: Response,
    readonly controller: AbortController,
  ) {
    this.ended = this.#read();
  }

  async #read(): Promise<void> {
    const body = this.response.body;
    if (!body) return;
    try {
      for await (const message of sseMessages(body)) {
        this.events.push(toEvent<TData>(message));
        this.#wake();
      }
    } catch (error) {
      this.error = error;
    } finally {
      this.#finished = true;
      this.#wake();
    }
  }

  #wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits until there are more than `index` events and returns event `index`. */
  async event(index: number, timeoutMs = SSE_WAIT_MS): Promise<SseEvent<TData>> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length <= index) {
      if (this.#finished) throw new Error(`stream ended after ${this.events.length} event(s), waiting for event #${index}: ${JSON.stringify(this.events)} ${String(this.error ?? '')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for event #${index}; got ${JSON.stringify(this.events)}`);
      await Promise.race([new Promise<void>((resolve) => this.#waiters.push(resolve)), sleep(Math.min(left, 100))]);
    }
    return this.events[index] as SseEvent<TData>;
  }

  /** Event `index` as an execution payload; throws when it is not a `next`. */
  async payload(index: number, timeoutMs = SSE_WAIT_MS): Promise<ExecutionPayload<TData>> {
    const event = await this.event(index, timeoutMs);
    if (event.event !== 'next') throw new Error(`event #${index} is ${JSON.stringify(event)}, not a next`);
    return (event as { payload: ExecutionPayload<TData> }).payload;
  }

  /** Waits for the end of the body, bounded. */
  async end(timeoutMs = SSE_WAIT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.ended.then(() => 'ended' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') throw new Error(`stream did not end within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
  }

  /** The `next` payloads so far. */
  nextEvents(): ExecutionPayload<TData>[] {
    return this.events.flatMap((event) => (event.event === 'next' ? [(event as { payload: ExecutionPayload<TData> }).payload] : []));
  }

  close() {
    this.controller.abort();
  }
}

/**
 * POSTs `query` to `${baseUrl}/graphql` asking for an event stream. The exchange is bounded
 * (15 s) whatever the test does; `close()` ends it sooner.
 */
export async function openSse<TData = Record<string, unknown>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<SseSubscription<TData>> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(15_000)]),
  });
  return new SseSubscription<TData>(response, controller);
}

/** Waits (bounded) until `condition` holds, checking every few milliseconds. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = SSE_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

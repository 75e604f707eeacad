/**
 * Incremental delivery: `@stream` on `calls` and `@defer`, over real HTTP
 * against the simulator, with slow calls made by the simulator's delay faults. Each response
 * is read here part by part (multipart/mixed parsed by hand, text/event-stream through the SSE
 * test reader), every payload stamped with the moment it arrived on the client side.
 *
 * What holds: fast calls arrive before a slow one (streamed items in list order, deferred
 * fragments each on their own), the merged answer is the plain one, the upstream cost is the
 * same, every MAX_* budget applies to the whole operation (MAX_ERRORS across payloads), a
 * client leaving mid-stream takes its queued upstream work with it, the fast path never keeps
 * an incremental answer, and metrics and tracing close their counts and spans; @defer and
 * @stream arguments are bounded. (The schema serving the directives: unit/schema/schema.test.ts.)
 */
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { OPERATION_SPAN } from '../../../src/tracing/operationTracing.js';
import { WsConnection, wsUrlOf } from '../../support/graphqlWsClient.js';
import { sseMessages } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

/** How late the slow call answers: long enough that "well before" (half of it) cannot be noise. */
const SLOW_MS = 700;
const WAIT_MS = 10_000;

type Json = Record<string, unknown>;
interface GraphQLErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}
interface Part {
  data?: Json | null;
  items?: unknown[] | null;
  errors?: GraphQLErrorJson[];
  path?: (string | number)[];
}
interface Payload {
  data?: Json | null;
  errors?: GraphQLErrorJson[];
  incremental?: Part[];
  hasNext?: boolean;
}
interface Arrival {
  payload: Payload;
  /** ms since the request was sent, on the client's clock */
  at: number;
}

type Transport = 'multipart' | 'sse';
const ACCEPT: Record<Transport, string> = { multipart: 'multipart/mixed', sse: 'text/event-stream' };

let counter = 0;
const newSid = (label: string) => `CAincr${label}${++counter}`;

function storeCompleted(stack: Stack, sid: string, seconds = 7): string {
  stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds, cost: 0.02, recordingUrls: [`https://r.example/${sid}.mp3`] });
  return sid;
}

const slowDown = (stack: Stack, sid: string, ms = SLOW_MS) => stack.sim.injectFault(sid, { type: 'delay', ms });

/** The JSON parts of a multipart/mixed body as each one completes. */
async function* multipartParts(body: NonNullable<Response['body']>, boundary: string): AsyncGenerator<string> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const delimiter = `\r\n--${boundary}`;
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      // A part is complete once the delimiter after it has arrived.
      for (let start = buffer.indexOf(delimiter); start !== -1; start = buffer.indexOf(delimiter)) {
        const next = buffer.indexOf(delimiter, start + delimiter.length);
        if (next === -1) break;
        const part = buffer.slice(start + delimiter.length, next);
        buffer = buffer.slice(next);
        const bodyStart = part.indexOf('\r\n\r\n');
        if (bodyStart !== -1) yield part.slice(bodyStart + 4);
      }
      if (buffer.startsWith(`${delimiter}--`)) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** An incremental response being read: its payloads as they arrive. */
class IncrementalResponse {
  readonly arrivals: Arrival[] = [];
  readonly done: Promise<void>;
  error: unknown;

  constructor(
    readonly response: Response,
    readonly controller: AbortController,
    started: number,
  ) {
    this.done = this.#read(started);
  }

  async #read(started: number): Promise<void> {
    const body = this.response.body;
    if (!body) return;
    const type = this.response.headers.get('content-type') ?? '';
    try {
      if (type.startsWith('multipart/mixed')) {
        const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1] ?? '-';
        for await (const text of multipartParts(body, boundary)) this.arrivals.push({ payload: JSON.parse(text) as Payload, at: performance.now() - started });
      } else {
        for await (const message of sseMessages(body)) {
          if (message.event === 'next') this.arrivals.push({ payload: JSON.parse(message.data) as Payload, at: performance.now() - started });
        }
      }
    } catch (error) {
      this.error = error;
    }
  }

  get payloads(): Payload[] {
    return this.arrivals.map((arrival) => arrival.payload);
  }

  /** Waits (bounded) until the body has ended. */
  async end(): Promise<this> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the response did not end in time: ${JSON.stringify(this.payloads)}`)), WAIT_MS);
    });
    try {
      await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this;
  }
}

async function openIncremental(stack: Stack, query: string, variables: Json = {}, transport: Transport = 'multipart'): Promise<IncrementalResponse> {
  const controller = new AbortController();
  const started = performance.now();
  const response = await fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT[transport], 'x-api-key': DEMO_API_KEY },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain(transport === 'multipart' ? 'multipart/mixed' : 'text/event-stream');
  return new IncrementalResponse(response, controller, started);
}

const streamed = async (stack: Stack, query: string, variables: Json = {}, transport: Transport = 'multipart') =>
  (await openIncremental(stack, query, variables, transport)).end();

/** The payloads applied to the first one's `data`, as a client does; errors gathered in order. */
function merge(payloads: Payload[]): { data: Json; errors: GraphQLErrorJson[] } {
  const [first, ...rest] = payloads;
  const data = structuredClone(first?.data ?? {}) as Json;
  const errors = [...(first?.errors ?? [])];
  const at = (path: readonly (string | number)[]) => path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], data);
  for (const payload of rest) {
    for (const part of payload.incremental ?? []) {
      errors.push(...(part.errors ?? []));
      const path = part.path ?? [];
      if (part.items !== undefined) {
        const list = at(path.slice(0, -1)) as unknown[];
        list.splice(path.at(-1) as number, (part.items ?? []).length, ...(part.items ?? []));
      } else if (part.data) {
        deepAssign(at(path) as Json, part.data);
      }
    }
  }
  return { data, errors };
}

function deepAssign(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object') deepAssign(existing as Json, value as Json);
    else target[key] = value;
  }
}

/** When the streamed item `path` (e.g. ['calls', 2]) arrived, and in which payload. */
function itemArrival(response: IncrementalResponse, path: readonly (string | number)[]): { at: number; index: number } {
  const key = JSON.stringify(path);
  const index = response.arrivals.findIndex(({ payload }) => (payload.incremental ?? []).some((part) => part.items && JSON.stringify(part.path) === key));
  if (index === -1) throw new Error(`no payload streams ${key}: ${JSON.stringify(response.payloads)}`);
  return { at: (response.arrivals[index] as Arrival).at, index };
}

/** When the deferred fragment holding `field` arrived, and in which payload. */
function fragmentArrival(response: IncrementalResponse, field: string): { at: number; index: number } {
  const index = response.arrivals.findIndex(({ payload }) => (payload.incremental ?? []).some((part) => part.data && field in part.data));
  if (index === -1) throw new Error(`no payload defers ${field}: ${JSON.stringify(response.payloads)}`);
  return { at: (response.arrivals[index] as Arrival).at, index };
}

/** Every error of every payload, in the order sent. */
const allErrors = (payloads: Payload[]) => payloads.flatMap((payload) => [...(payload.errors ?? []), ...(payload.incremental ?? []).flatMap((part) => part.errors ?? [])]);

const CALLS = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status durationSeconds recordings { url } } }';
const STREAMED_CALLS = 'query Page($sids: [ID!]!) { calls(sids: $sids) @stream(initialCount: 0) { sid status durationSeconds recordings { url } } }';

async function idle(stack: Stack): Promise<void> {
  await vi.waitFor(
    () => {
      expect(stack.server.stats().upstream.waiting).toBe(0);
      expect(stack.server.stats().upstream.inFlight).toBe(0);
      expect(stack.server.stats().fetch.coalescing.inFlight).toBe(0);
    },
    { timeout: WAIT_MS, interval: 10 },
  );
}

const SLOTS = 4;
const exporter = new InMemorySpanExporter();
let stack: Stack;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  // Requests per operation are the point here: the cache of final calls is off (the fast-path
  // tests below start their own stack with it on).
  stack = await startStack({
    config: { cacheTtlSeconds: 0, upstreamConcurrency: SLOTS },
    server: { tracing: { spanProcessors: [new SimpleSpanProcessor(exporter)] } },
  });
});
afterAll(async () => {
  await stack?.close();
  process.off('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  stack.sim.clearFaults();
  await idle(stack);
  stack.sim.resetStats();
  exporter.reset();
  expect(unhandled).toEqual([]);
});

describe('@stream on calls', () => {
  it.each(['multipart', 'sse'] as const)('over %s: fast calls arrive well before a slow one placed after them; merged, the answer is the plain one', async (transport) => {
    const fast = [newSid('fast'), newSid('fast'), newSid('fast')].map((sid) => storeCompleted(stack, sid));
    const slow = storeCompleted(stack, newSid('slow'), 99);
    slowDown(stack, slow);
    const sids = [...fast, slow];

    const response = await streamed(stack, STREAMED_CALLS, { sids }, transport);
    expect(response.error).toBeUndefined();
    const [initial] = response.payloads;
    // initialCount: 0: the first payload holds the empty list, every call comes later.
    expect(initial).toEqual({ data: { calls: [] }, hasNext: true });
    expect(response.payloads.at(-1)?.hasNext).toBe(false);

    const slowArrival = itemArrival(response, ['calls', 3]);
    for (const index of [0, 1, 2]) {
      const arrival = itemArrival(response, ['calls', index]);
      expect(arrival.index).toBeLessThan(slowArrival.index);
      expect(slowArrival.at - arrival.at).toBeGreaterThan(SLOW_MS / 2);
    }
    // The slow one is the last thing sent.
    expect(slowArrival.index).toBe(response.arrivals.length - 1);

    // The plain answer, without waiting for the slow call again (the cache of final calls is off).
    stack.sim.clearFaults();
    const plain = await stack.gql(CALLS, { sids });
    expect(plain.body.errors).toBeUndefined();
    expect(merge(response.payloads)).toEqual({ data: plain.body.data, errors: [] });
  });

  it('items come in list order: a slow call holds back the items after it, never those before it', async () => {
    const [before, slow, after] = [newSid('before'), newSid('held'), newSid('after')].map((sid) => storeCompleted(stack, sid));
    slowDown(stack, slow as string);

    const response = await streamed(stack, STREAMED_CALLS, { sids: [before, slow, after] });
    const first = itemArrival(response, ['calls', 0]);
    const held = itemArrival(response, ['calls', 1]);
    const third = itemArrival(response, ['calls', 2]);
    expect(held.at - first.at).toBeGreaterThan(SLOW_MS / 2);
    // Answered long before, the third call still waits for the second.
    expect(third.index).toBeGreaterThanOrEqual(held.index);
    expect(third.at).toBeGreaterThanOrEqual(held.at);
    // Fetched at once all the same: the three upstream requests went out together.
    const sent = stack.sim.requestLog.map((entry) => entry.at);
    expect(sent).toHaveLength(3);
    expect(Math.max(...sent) - Math.min(...sent)).toBeLessThan(SLOW_MS / 2);
  });

  it('per-call deferred fragments arrive each as its own call answers, whatever its position', async () => {
    const [first, slow, last] = [newSid('first'), newSid('defslow'), newSid('last')].map((sid) => storeCompleted(stack, sid));
    slowDown(stack, slow as string);
    const query = `query Cards($a: ID!, $b: ID!, $c: ID!) {
      ... @defer { a: call(sid: $a) { sid status } }
      ... @defer { b: call(sid: $b) { sid status } }
      ... @defer { c: call(sid: $c) { sid status } }
    }`;
    const response = await streamed(stack, query, { a: first, b: slow, c: last });
    const a = fragmentArrival(response, 'a');
    const b = fragmentArrival(response, 'b');
    const c = fragmentArrival(response, 'c');
    expect(b.at - a.at).toBeGreaterThan(SLOW_MS / 2);
    expect(b.at - c.at).toBeGreaterThan(SLOW_MS / 2);
    expect(b.index).toBe(response.arrivals.length - 1);
    expect(merge(response.payloads).data).toEqual({
      a: { sid: first, status: 'COMPLETED' },
      b: { sid: slow, status: 'COMPLETED' },
      c: { sid: last, status: 'COMPLETED' },
    });
  });

  it('over a WebSocket (graphql-ws), each payload is one `next` message, then `complete`', async () => {
    const [fast, slow] = [newSid('wsfast'), newSid('wsslow')].map((sid) => storeCompleted(stack, sid));
    slowDown(stack, slow as string);
    const connection = new WsConnection(wsUrlOf(stack.url), { connectionParams: { 'x-api-key': DEMO_API_KEY } });
    try {
      await connection.waitConnected();
      const operation = connection.operation(STREAMED_CALLS, { sids: [fast, slow] });
      await operation.end(WAIT_MS);
      const payloads = operation.nextEvents() as Payload[];
      expect(operation.events.at(-1)).toEqual({ type: 'complete' });
      expect(payloads[0]).toEqual({ data: { calls: [] }, hasNext: true });
      expect(payloads.length).toBeGreaterThanOrEqual(3);
      expect(payloads.at(-1)?.hasNext).toBe(false);
      stack.sim.clearFaults();
      expect(merge(payloads).data).toEqual((await stack.gql(CALLS, { sids: [fast, slow] })).body.data);
    } finally {
      await connection.client.dispose();
    }
  });

  it('a client that accepts only JSON gets 406, and the stream it was not sent ends at once (span, count, subscription lease)', async () => {
    const before = await operationsCounted(stack);
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const response = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, 'x-api-key': DEMO_API_KEY },
        body: JSON.stringify({ query: STREAMED_CALLS, variables: { sids: [storeCompleted(stack, newSid('json'))] } }),
      });
      expect(response.status).toBe(406);
      await response.arrayBuffer();
    }
    // Yoga decides on 406 after executing: both operations ran, and were closed, not left open.
    await spansWhen((all) => named(all, OPERATION_SPAN).length === 2);
    await vi.waitFor(async () => expect((await operationsCounted(stack)).total).toBe(before.total + 2), { timeout: WAIT_MS, interval: 20 });

    // The same for a subscription: its lease is given back (it used to stay until the connection closed).
    const watched = storeCompleted(stack, newSid('jsonsub'));
    for (let ask = 0; ask < 3; ask++) {
      const response = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': DEMO_API_KEY },
        body: JSON.stringify({ query: 'subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status } }', variables: { sid: watched } }),
      });
      expect(response.status).toBe(406);
      await response.arrayBuffer();
      await vi.waitFor(() => expect(stack.server.stats().subscriptions.open).toBe(0), { timeout: WAIT_MS, interval: 5 });
    }
  });
});

describe('@defer', () => {
  it('a deferred fragment holding a slow call arrives after the initial payload with the fast fields', async () => {
    const [fast, slow] = [newSid('dfast'), newSid('dslow')].map((sid) => storeCompleted(stack, sid));
    slowDown(stack, slow as string);
    const query = `query Page($fast: ID!, $slow: ID!) {
      call(sid: $fast) { sid status }
      ... @defer(label: "slow") { slow: call(sid: $slow) { sid status durationSeconds } }
    }`;
    const response = await streamed(stack, query, { fast, slow });
    const [initial, ...later] = response.arrivals;
    expect(initial?.payload).toEqual({ data: { call: { sid: fast, status: 'COMPLETED' } }, hasNext: true });
    expect(later).toHaveLength(1);
    expect(later[0]?.payload).toEqual({
      incremental: [{ data: { slow: { sid: slow, status: 'COMPLETED', durationSeconds: 7 } }, path: [], label: 'slow' }],
      hasNext: false,
    });
    expect((later[0] as Arrival).at - (initial as Arrival).at).toBeGreaterThan(SLOW_MS / 2);
  });
});

describe('upstream cost', () => {
  it('the same upstream requests streamed or not; duplicates of a sid, in the list or in a deferred fragment, cost one', async () => {
    const [a, b, c] = [newSid('dupa'), newSid('dupb'), newSid('dupc')].map((sid) => storeCompleted(stack, sid));
    const sids = [a, b, a, c, a, b];
    const deferredAgain = `query Page($sids: [ID!]!, $again: ID!) {
      calls(sids: $sids) @stream(initialCount: 1) { sid status }
      ... @defer { again: call(sid: $again) { sid } }
    }`;

    const plain = await stack.gql(CALLS, { sids });
    expect(plain.body.errors).toBeUndefined();
    const plainRequests = stack.sim.stats.requests;
    expect(plainRequests).toBe(3);

    for (const transport of ['multipart', 'sse'] as const) {
      stack.sim.resetStats();
      const response = await streamed(stack, STREAMED_CALLS, { sids }, transport);
      expect(merge(response.payloads).data).toEqual(plain.body.data);
      expect(stack.sim.stats.requests).toBe(plainRequests);
      expect(Object.fromEntries(stack.sim.stats.bySid)).toEqual({ [a as string]: 1, [b as string]: 1, [c as string]: 1 });
    }

    stack.sim.resetStats();
    const mixed = await streamed(stack, deferredAgain, { sids, again: a });
    expect(merge(mixed.payloads).data['again']).toEqual({ sid: a });
    expect(stack.sim.stats.requests).toBe(3);
  });
});

describe('the client leaving mid-stream', () => {
  it('takes its queued upstream work with it, as for any operation; the span and the count close; nothing unhandled', async () => {
    const sids = Array.from({ length: 16 }, () => storeCompleted(stack, newSid('leave')));
    for (const sid of sids) slowDown(stack, sid, 300);
    const errorsLoggedBefore = stack.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50).length;
    const countedBefore = await operationsCounted(stack);

    const response = await openIncremental(stack, STREAMED_CALLS, { sids });
    await vi.waitFor(() => expect(response.arrivals.length).toBeGreaterThanOrEqual(1), { timeout: WAIT_MS, interval: 5 });
    await vi.waitFor(() => expect(stack.server.stats().upstream.waiting).toBeGreaterThan(0), { timeout: WAIT_MS, interval: 5 });
    response.controller.abort();
    await response.done;
    await idle(stack);
    // At most the slots' worth in flight when it left, and the next round: never all sixteen.
    expect(stack.sim.stats.requests).toBeLessThanOrEqual(2 * SLOTS);

    const spans = await spansWhen((all) => named(all, OPERATION_SPAN).length === 1);
    expect(named(spans, OPERATION_SPAN)).toHaveLength(1);
    await vi.waitFor(async () => expect((await operationsCounted(stack)).total).toBe(countedBefore.total + 1), { timeout: WAIT_MS, interval: 20 });
    const errorsLogged = stack.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50).length;
    expect(errorsLogged).toBe(errorsLoggedBefore);
    expect(unhandled).toEqual([]);
  });
});

describe('metrics and tracing of incremental results', () => {
  it('one span per operation, ended with the last payload, an error when a later payload lists errors; counted once, as an error', async () => {
    const fast = storeCompleted(stack, newSid('tfast'));
    const failing = storeCompleted(stack, newSid('tfail'));
    slowDown(stack, fast, 100);
    // Answered late, with a status the client does not retry: the error is in a later payload.
    stack.sim.injectFault(failing, { type: 'status', status: 500 });
    const before = await operationsCounted(stack);

    const clean = await streamed(stack, STREAMED_CALLS, { sids: [fast] });
    expect(allErrors(clean.payloads)).toEqual([]);
    const failed = await streamed(stack, STREAMED_CALLS, { sids: [fast, failing] });
    const errors = allErrors(failed.payloads);
    expect(errors.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_ERROR']);
    expect(failed.payloads[0]?.errors).toBeUndefined();

    const spans = named(await spansWhen((all) => named(all, OPERATION_SPAN).length === 2), OPERATION_SPAN);
    expect(spans.map((span) => span.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    // Each span lasted until its last payload: at least the fast call's delay.
    for (const span of spans) expect(durationMs(span)).toBeGreaterThanOrEqual(90);

    const after = await operationsCounted(stack);
    expect(after.success - before.success).toBe(1);
    expect(after.error - before.error).toBe(1);
  });
});

function named(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

const durationMs = (span: ReadableSpan) => span.duration[0] * 1000 + span.duration[1] / 1e6;

async function spansWhen(enough: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  let spans: ReadableSpan[] = [];
  await vi.waitFor(
    () => {
      spans = exporter.getFinishedSpans();
      expect(enough(spans)).toBe(true);
    },
    { timeout: WAIT_MS, interval: 10 },
  );
  return spans;
}

/** `talkstack_graphql_requests_total` for queries, from /metrics. */
async function operationsCounted(on: Stack): Promise<{ success: number; error: number; total: number }> {
  const text = await (await fetch(`${on.url}/metrics`)).text();
  const read = (outcome: string) => Number(new RegExp(`^talkstack_graphql_requests_total\\{operation_type="query",outcome="${outcome}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  const success = read('success');
  const error = read('error');
  return { success, error, total: success + error };
}

describe('budgets apply to the whole operation, streamed or deferred', () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await startStack({
      config: { cacheTtlSeconds: 0, maxCallsPerRequest: 4, maxErrors: 3, maxDepth: 2, maxAliases: 2, maxTokens: 120, maxListEntries: 8, maxDocumentBytes: 2000 },
    });
  });
  afterAll(() => limited?.close());
  afterEach(() => {
    limited.sim.clearFaults();
    limited.sim.resetStats();
  });

  it('MAX_CALLS_PER_REQUEST: entries past the cap, streamed or deferred, are TOO_MANY_CALLS and cost no upstream request', async () => {
    const sids = Array.from({ length: 6 }, () => storeCompleted(limited, newSid('cap')));
    const query = `query Page($sids: [ID!]!, $extra: ID!) {
      calls(sids: $sids) @stream(initialCount: 1) { sid }
      ... @defer { extra: call(sid: $extra) { sid } }
    }`;
    const response = await streamed(limited, query, { sids: sids.slice(0, 5), extra: sids[5] });
    const { data, errors } = merge(response.payloads);
    expect(data['calls']).toEqual([...sids.slice(0, 4).map((sid) => ({ sid })), null]);
    expect(data['extra']).toBeNull();
    // In the order sent: the deferred fragment may come before the streamed item.
    expect(errors.map((error) => [error.extensions?.code, error.path]).sort()).toEqual([
      ['TOO_MANY_CALLS', ['calls', 4]],
      ['TOO_MANY_CALLS', ['extra']],
    ]);
    expect(limited.sim.stats.requests).toBe(4);
    expect(limited.sim.stats.bySid.has(sids[4] as string)).toBe(false);
    expect(limited.sim.stats.bySid.has(sids[5] as string)).toBe(false);
  });

  it('MAX_ERRORS counts the errors of every payload: the first 3 listed, then one TOO_MANY_ERRORS, later payloads without errors', async () => {
    // Malformed sids fail at once; the two slow calls make the stream send its items in three rounds.
    const [slow1, slow2] = [newSid('err1'), newSid('err2')].map((sid) => storeCompleted(limited, sid));
    slowDown(limited, slow1 as string, 150);
    slowDown(limited, slow2 as string, 450);
    const sids = ['bad sid', 'bad sid', slow1, 'bad sid', 'bad sid', slow2, 'bad sid', 'bad sid'];

    const response = await streamed(limited, 'query Page($sids: [ID!]!) { calls(sids: $sids) @stream(initialCount: 0) { sid } }', { sids });
    const errors = allErrors(response.payloads);
    expect(errors.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'TOO_MANY_ERRORS']);
    expect(errors[3]?.message).toMatch(/at most 3 \(MAX_ERRORS\), counted across all the payloads/);
    // The limit was crossed in a later payload than the first errors: counted across payloads.
    const withErrors = response.payloads.map((payload) => allErrors([payload]).length);
    expect(withErrors.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
    // The data is whole: every entry is there, the failed ones null.
    const { data } = merge(response.payloads);
    expect((data['calls'] as unknown[]).map((call) => (call as { sid?: string } | null)?.sid ?? null)).toEqual([null, null, slow1, null, null, slow2, null, null]);
  });

  it('MAX_ERRORS across the initial payload and a deferred fragment', async () => {
    const query = `query Page($now: [ID!]!, $later: [ID!]!) {
      calls(sids: $now) { sid }
      ... @defer { later: calls(sids: $later) { sid } }
    }`;
    const response = await streamed(limited, query, { now: ['bad sid', 'bad sid'], later: ['bad sid', 'bad sid', 'bad sid'] });
    expect(response.payloads[0]?.errors).toHaveLength(2);
    const errors = allErrors(response.payloads);
    expect(errors.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'TOO_MANY_ERRORS']);
  });

  it('MAX_DEPTH, MAX_ALIASES, MAX_TOKENS, MAX_DOCUMENT_BYTES, MAX_LIST_ENTRIES: the directives do not get around them (refused, nothing fetched)', async () => {
    const sid = storeCompleted(limited, newSid('limits'));
    const refused = {
      MAX_DEPTH: `{ calls(sids: ["${sid}"]) @stream { recordings { url } } }`,
      'MAX_DEPTH in a deferred fragment': `{ ... @defer { call(sid: "${sid}") { recordings { url } } } }`,
      MAX_ALIASES: `{ a: call(sid: "${sid}") { sid } ... @defer { b: call(sid: "${sid}") { sid } c: call(sid: "${sid}") { sid } } }`,
      MAX_TOKENS: `{ calls(sids: ["${sid}"]) @stream(initialCount: 0, label: "page") { sid ${'status '.repeat(120)} } }`,
      MAX_DOCUMENT_BYTES: `#${'x'.repeat(2000)}\n{ calls(sids: ["${sid}"]) @stream { sid } }`,
      MAX_LIST_ENTRIES: `{ calls(sids: [${`"${sid}" `.repeat(5)}]) @stream { sid } ... @defer { more: calls(sids: [${`"${sid}" `.repeat(4)}]) { sid } } }`,
    };
    for (const [limit, query] of Object.entries(refused)) {
      for (const accept of ['multipart/mixed', 'text/event-stream']) {
        const response = await fetch(`${limited.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept, 'x-api-key': DEMO_API_KEY },
          body: JSON.stringify({ query }),
        });
        const text = await response.text();
        // multipart: 400; SSE: the errors as the stream's one event (200), which SSE clients read
        expect(response.status, `${limit} over ${accept}: ${text}`).toBe(accept === 'multipart/mixed' ? 400 : 200);
        const code = limit === 'MAX_LIST_ENTRIES' ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED';
        expect(text, limit).toContain(`"code":"${code}"`);
        expect(text, limit).toContain(limit.split(' ')[0] as string);
      }
    }
    expect(limited.sim.stats.requests).toBe(0);
    // Within the limits the same shapes run.
    const fine = await streamed(limited, `{ calls(sids: ["${sid}"]) @stream { sid } ... @defer { a: call(sid: "${sid}") { sid } } }`);
    expect(merge(fine.payloads)).toEqual({ data: { calls: [{ sid }], a: { sid } }, errors: [] });
  });
});

describe('the fast path for settled answers', () => {
  let cached: Stack;
  beforeAll(async () => {
    // The cache of final calls on (the default): what the fast path needs to keep anything.
    cached = await startStack();
  });
  afterAll(() => cached?.close());

  it('never keeps nor serves an incremental answer, whatever the Accept; the same request as plain JSON is kept', async () => {
    const sids = [storeCompleted(cached, newSid('fastpath')), storeCompleted(cached, newSid('fastpath'))];
    const body = JSON.stringify({ query: STREAMED_CALLS, variables: { sids } });
    const settled = () => cached.server.stats().settledAnswers;
    for (const accept of [undefined, '*/*', 'multipart/mixed', 'text/event-stream', 'multipart/mixed, application/json']) {
      for (let ask = 0; ask < 3; ask++) {
        const decided = settled().decided;
        const response = await fetch(`${cached.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY, ...(accept ? { accept } : {}) },
          body,
        });
        const type = response.headers.get('content-type') ?? '';
        expect(type, String(accept)).toMatch(/^(multipart\/mixed|text\/event-stream)/);
        await response.arrayBuffer();
        // Considered ones (no Accept, */*) are decided once the answer has gone: wait for it.
        if (!accept || accept === '*/*') await vi.waitFor(() => expect(settled().decided).toBeGreaterThan(decided), { timeout: WAIT_MS, interval: 5 });
      }
    }
    expect(settled().hit).toBe(0);
    expect(settled().stored).toBe(0);

    // The control: the plain operation, same calls, is kept at its second ask and served at its third.
    const plain = JSON.stringify({ query: CALLS, variables: { sids } });
    for (let ask = 0; ask < 3; ask++) {
      const decided = settled().decided;
      const response = await fetch(`${cached.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': DEMO_API_KEY },
        body: plain,
      });
      await response.json();
      if (ask < 2) await vi.waitFor(() => expect(settled().decided).toBeGreaterThan(decided), { timeout: WAIT_MS, interval: 5 });
    }
    expect(settled().stored).toBe(1);
    expect(settled().hit).toBe(1);
  });
});

describe('@defer/@stream arguments are bounded (hostile labels and counts)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  const post = (query: string, variables: Json = {}) =>
    fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'x-api-key': DEMO_API_KEY },
      body: JSON.stringify({ query, variables }),
    });

  it('a label of 128 characters streams; one far over (60 KB, echoed per item it would be 60 MB) is refused at once, small, nothing fetched', async () => {
    const sid = storeCompleted(stack, newSid('label'));
    const sids = Array.from({ length: 1000 }, () => sid);
    const query = (label: string) => `query Page($sids: [ID!]!) { calls(sids: $sids) @stream(initialCount: 0, label: "${label}") { sid } }`;

    const fine = await streamed(stack, query('l'.repeat(128)), { sids });
    expect(merge(fine.payloads).data['calls']).toHaveLength(1000);

    stack.sim.resetStats();
    const cpuBefore = process.cpuUsage();
    const rssBefore = process.memoryUsage().rss;
    for (const label of ['l'.repeat(129), 'l'.repeat(60_000)]) {
      const response = await post(query(label), { sids });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(text).toContain('at most 128 characters');
      expect(text.length).toBeLessThan(2000);
    }
    const deferred = await post(`{ ... @defer(label: "${'d'.repeat(60_000)}") { call(sid: "${sid}") { sid } } }`);
    expect(deferred.status).toBe(400);
    await deferred.text();
    const cpu = process.cpuUsage(cpuBefore);
    // Server and client share this process: both together, well under what a 60 MB answer costs.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(50 * 1024 * 1024);
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('initialCount: a literal 0 or more runs; negative, or a variable (null or negative at run time), is the client’s error, not an internal one', async () => {
    const sid = storeCompleted(stack, newSid('count'));
    const ok = await streamed(stack, `{ calls(sids: ["${sid}", "${sid}"]) @stream(initialCount: 1) { sid } }`);
    expect(merge(ok.payloads).data['calls']).toEqual([{ sid }, { sid }]);

    stack.sim.resetStats();
    const refused: [string, Json][] = [
      [`{ calls(sids: ["${sid}"]) @stream(initialCount: -1) { sid } }`, {}],
      [`query Q($n: Int) { calls(sids: ["${sid}"]) @stream(initialCount: $n) { sid } }`, { n: null }],
      [`query Q($n: Int!) { calls(sids: ["${sid}"]) @stream(initialCount: $n) { sid } }`, { n: -5 }],
    ];
    for (const [query, variables] of refused) {
      const response = await post(query, variables);
      const text = await response.text();
      expect(response.status, text).toBe(400);
      expect(text).toContain('"code":"GRAPHQL_VALIDATION_FAILED"');
      expect(text).toContain('initialCount must be a non-negative integer');
      expect(text).not.toContain('INTERNAL_SERVER_ERROR');
    }
    expect(stack.sim.stats.requests).toBe(0);
  });
});

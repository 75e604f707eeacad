/**
 * Tracing (contract): the span tree `graphql.operation` → `talkstack.batch` → `talkstack.call`
 * (one per upstream try), continuing the request's W3C `traceparent`, with a `traceparent`
 * sent upstream on every try naming that try's span; concurrent operations keep to their own
 * traces; nothing traced and nothing sent without OTEL_EXPORTER_OTLP_ENDPOINT; and with it, the
 * OTLP exporter really posts to `<endpoint>/v1/traces` (a loopback receiver of the test's own).
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { makeCredential } from '../../../src/identity/credential.js';
import { createTracing } from '../../../src/tracing/tracing.js';
import { openSse } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const CALLS = `query Calls($sids: [ID!]!) { calls(sids: $sids) { sid status } }`;
const CALL = `query Call($sid: ID!) { call(sid: $sid) { sid status } }`;
const WATCH = `subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status } }`;

const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const newTrace = () => ({ traceId: hex(32), spanId: hex(16) });
const traceparentOf = ({ traceId, spanId }: { traceId: string; spanId: string }) => `00-${traceId}-${spanId}-01`;
/** [traceId, spanId] of a traceparent header */
const partsOf = (traceparent: string | undefined) => {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceparent ?? '');
  if (!match) throw new Error(`not a traceparent: ${String(traceparent)}`);
  return { traceId: match[1] as string, spanId: match[2] as string };
};

let counter = 0;
const newSid = (label: string) => `CAtrace${label}${++counter}`;

function storeCompleted(stack: Stack, sid: string) {
  stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 3, cost: 0.01, recordingUrls: [`https://r.example/${sid}.mp3`] });
  return sid;
}

const named = (spans: readonly ReadableSpan[], name: string) => spans.filter((span) => span.name === name);
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** Waits (bounded) until `exporter` holds spans matching `enough`. */
async function spansWhen(exporter: InMemorySpanExporter, enough: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    const spans = exporter.getFinishedSpans();
    if (enough(spans)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`spans not there in time: ${exporter.getFinishedSpans().map((span) => span.name).join(', ')}`);
}

describe('with tracing on (span processors given)', () => {
  const exporter = new InMemorySpanExporter();
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { upstreamRetries: 2 }, server: { tracing: { spanProcessors: [new SimpleSpanProcessor(exporter)] } } });
  });
  afterAll(() => stack?.close());
  afterEach(() => {
    exporter.reset();
    stack.sim.resetStats();
    stack.sim.clearFaults();
  });

  it('a query for 3 calls, one retried once: operation → batch → 4 call spans, in the incoming trace, and traceparent sent upstream', async () => {
    const incoming = newTrace();
    const sids = [storeCompleted(stack, newSid('a')), storeCompleted(stack, newSid('flaky')), storeCompleted(stack, newSid('c'))];
    const flaky = sids[1] as string;
    stack.sim.injectFault(flaky, { type: 'status', status: 500, times: 1 });

    const response = await stack.gql(CALLS, { sids }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(incoming) });
    expect(response.body.errors).toBeUndefined();
    const spans = await spansWhen(exporter, (all) => named(all, 'talkstack.call').length >= 4 && named(all, 'talkstack.batch').length >= 1 && named(all, 'graphql.operation').length >= 1);

    expect(spans.map((span) => span.name).sort()).toEqual(['graphql.operation', 'talkstack.batch', 'talkstack.call', 'talkstack.call', 'talkstack.call', 'talkstack.call']);
    for (const span of spans) expect(traceOf(span)).toBe(incoming.traceId);

    const [operation] = named(spans, 'graphql.operation') as [ReadableSpan];
    expect(parentOf(operation)).toBe(incoming.spanId);
    expect(operation.attributes).toEqual({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'Calls' });
    expect(operation.status.code).toBe(0); // UNSET: no errors

    const [batch] = named(spans, 'talkstack.batch') as [ReadableSpan];
    expect(parentOf(batch)).toBe(idOf(operation));
    expect(batch.attributes).toEqual({ 'talkstack.batch.size': 3 });

    const calls = named(spans, 'talkstack.call');
    for (const call of calls) expect(parentOf(call)).toBe(idOf(batch));

    // Every upstream try carried a traceparent naming its own call span, in the same trace.
    const log = stack.sim.requestLog;
    expect(log).toHaveLength(4);
    const callById = new Map(calls.map((call) => [idOf(call), call]));
    const bySpan = log.map((entry) => {
      const { traceId, spanId } = partsOf(entry.traceparent);
      expect(traceId).toBe(incoming.traceId);
      const call = callById.get(spanId);
      expect(call, `a call span for the try of ${entry.sid}`).toBeDefined();
      return { sid: entry.sid, status: entry.status, attributes: call?.attributes, error: call?.status.code === 2 };
    });
    expect(new Set(bySpan.map((entry) => entry.attributes)).size).toBe(4);
    const flakyTries = bySpan.filter((entry) => entry.sid === flaky);
    expect(flakyTries).toEqual([
      { sid: flaky, status: 500, attributes: { 'talkstack.try': 1, 'http.response.status_code': 500, 'talkstack.outcome': 'server_error' }, error: true },
      { sid: flaky, status: 200, attributes: { 'talkstack.try': 2, 'http.response.status_code': 200, 'talkstack.outcome': 'success' }, error: false },
    ]);
    for (const entry of bySpan.filter((e) => e.sid !== flaky)) {
      expect(entry.attributes).toEqual({ 'talkstack.try': 1, 'http.response.status_code': 200, 'talkstack.outcome': 'success' });
    }
  });

  it('never forwards an incoming tracestate upstream: only its own traceparent goes there', async () => {
    const sid = storeCompleted(stack, newSid('state'));
    await stack.gql(CALL, { sid }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(newTrace()), tracestate: 'vendor=secret-value,other=1' });
    const sent = stack.sim.requestLog.filter((entry) => entry.sid === sid);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(sent[0]?.tracestate).toBeUndefined();
  });

  it('keeps the credential, its digest and sids out of every span', async () => {
    const sid = storeCompleted(stack, newSid('private'));
    await stack.gql(CALL, { sid }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(newTrace()) });
    const spans = await spansWhen(exporter, (all) => named(all, 'talkstack.call').length >= 1 && named(all, 'graphql.operation').length >= 1);
    const credential = makeCredential(undefined, DEMO_API_KEY);
    const text = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, status: span.status, events: span.events })));
    for (const secret of [DEMO_API_KEY, credential?.id, credential?.tenantId, sid, DEMO_PROJECT_ID]) expect(text).not.toContain(secret as string);
  });

  it('an operation name of 8,000 characters is exported cut to 256 (every attribute value is bounded)', async () => {
    const name = `Long${'x'.repeat(7996)}`;
    const sid = storeCompleted(stack, newSid('longname'));
    const response = await stack.gql(`query ${name}($sid: ID!) { call(sid: $sid) { sid status } }`, { sid }, { 'x-api-key': DEMO_API_KEY });
    expect(response.body.errors).toBeUndefined();
    const spans = await spansWhen(exporter, (all) => named(all, 'graphql.operation').length >= 1);
    const [operation] = named(spans, 'graphql.operation') as [ReadableSpan];
    expect(operation.attributes['graphql.operation.name']).toBe(name.slice(0, 256));
  });

  it('an operation whose result has errors has an error status', async () => {
    const sid = newSid('denied');
    stack.sim.injectFault(sid, { type: 'status', status: 403 });
    await stack.gql(CALL, { sid }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(newTrace()) });
    const spans = await spansWhen(exporter, (all) => named(all, 'graphql.operation').length >= 1 && named(all, 'talkstack.call').length >= 1);
    expect((named(spans, 'graphql.operation')[0] as ReadableSpan).status.code).toBe(2); // ERROR
    const [call] = named(spans, 'talkstack.call') as [ReadableSpan];
    expect(call.attributes).toEqual({ 'talkstack.try': 1, 'http.response.status_code': 403, 'talkstack.outcome': 'client_error' });
  });

  it('concurrent operations each keep to their own trace; without a traceparent an operation starts a new one', async () => {
    const first = newTrace();
    const second = newTrace();
    stack.sim.setLatency(30);
    try {
      const [a, b, c] = [storeCompleted(stack, newSid('x')), storeCompleted(stack, newSid('y')), storeCompleted(stack, newSid('z'))];
      await Promise.all([
        stack.gql(CALLS, { sids: [a, b] }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(first) }),
        stack.gql(CALL, { sid: c }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(second) }),
        stack.gql(CALL, { sid: storeCompleted(stack, newSid('w')) }, { 'x-api-key': DEMO_API_KEY }),
      ]);
    } finally {
      stack.sim.setLatency(0);
    }
    const spans = await spansWhen(exporter, (all) => named(all, 'talkstack.call').length >= 4 && named(all, 'graphql.operation').length >= 3);
    const traces = new Map<string, string[]>();
    for (const span of spans) traces.set(traceOf(span), [...(traces.get(traceOf(span)) ?? []), span.name].sort());
    expect(traces.get(first.traceId)).toEqual(['graphql.operation', 'talkstack.batch', 'talkstack.call', 'talkstack.call']);
    expect(traces.get(second.traceId)).toEqual(['graphql.operation', 'talkstack.batch', 'talkstack.call']);
    expect(traces.size).toBe(3);
    const rootOperation = spans.find((span) => span.name === 'graphql.operation' && ![first.traceId, second.traceId].includes(traceOf(span)));
    expect(rootOperation?.parentSpanContext).toBeUndefined();
    // Each try went upstream in its own operation's trace.
    const upstreamTraces = stack.sim.requestLog.map((entry) => partsOf(entry.traceparent).traceId);
    expect(upstreamTraces.filter((id) => id === first.traceId)).toHaveLength(2);
    expect(upstreamTraces.filter((id) => id === second.traceId)).toHaveLength(1);
  });

  it('a fetch shared by two operations is traced in the operation that started it', async () => {
    const sid = storeCompleted(stack, newSid('shared'));
    const first = newTrace();
    const second = newTrace();
    stack.sim.setLatency(50);
    try {
      const one = stack.gql(CALL, { sid }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(first) });
      // The second asks once the first's try is upstream: it joins that fetch.
      for (const deadline = Date.now() + 5000; stack.sim.stats.inFlight === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 2));
      const two = stack.gql(CALL, { sid }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(second) });
      await Promise.all([one, two]);
    } finally {
      stack.sim.setLatency(0);
    }
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
    const spans = await spansWhen(exporter, (all) => named(all, 'graphql.operation').length >= 2 && named(all, 'talkstack.call').length >= 1);
    const calls = named(spans, 'talkstack.call');
    expect(calls).toHaveLength(1);
    expect(traceOf(calls[0] as ReadableSpan)).toBe(first.traceId);
    expect(named(spans, 'talkstack.batch').map(traceOf).sort()).toEqual([first.traceId, second.traceId].sort());
  });

  it('a subscription has an operation span in the incoming trace, ended when it closes', async () => {
    const sid = newSid('live');
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'ringing', callSid: sid });
    const incoming = newTrace();
    const subscription = await openSse(stack.url, WATCH, { sid }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(incoming) });
    await subscription.payload(0);
    subscription.close();
    const spans = await spansWhen(exporter, (all) => named(all, 'graphql.operation').length >= 1);
    const [operation] = named(spans, 'graphql.operation') as [ReadableSpan];
    expect(traceOf(operation)).toBe(incoming.traceId);
    expect(parentOf(operation)).toBe(incoming.spanId);
    expect(operation.attributes).toEqual({ 'graphql.operation.type': 'subscription', 'graphql.operation.name': 'Watch' });
  });
});

describe('with tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('creates no tracing, and sends no traceparent upstream even when the request brought one', async () => {
    expect(createTracing({ endpoint: undefined })).toBeUndefined();
    expect(stack.server.config.otelExporterOtlpEndpoint).toBeUndefined();
    const sid = storeCompleted(stack, newSid('off'));
    const response = await stack.gql(CALL, { sid }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(newTrace()) });
    expect(response.body.errors).toBeUndefined();
    expect(stack.sim.requestLog.map((entry) => entry.traceparent)).toEqual([undefined]);
  });
});

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: Server;
  let endpoint: string;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('posts the spans as OTLP/HTTP JSON to <endpoint>/v1/traces (flushed at the latest when the server closes)', async () => {
    const stack = await startStack({ config: { otelExporterOtlpEndpoint: endpoint } });
    const incoming = newTrace();
    try {
      const sid = storeCompleted(stack, newSid('otlp'));
      const response = await stack.gql(CALL, { sid }, { 'x-api-key': DEMO_API_KEY, traceparent: traceparentOf(incoming) });
      expect(response.body.errors).toBeUndefined();
    } finally {
      await stack.close();
    }
    expect(received.length).toBeGreaterThanOrEqual(1);
    for (const request of received) {
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/v1/traces');
      expect(request.headers['content-type']).toContain('application/json');
    }
    interface OtlpSpan {
      traceId: string;
      name: string;
    }
    const exported = received.flatMap((request) => {
      const body = JSON.parse(request.body) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
      return body.resourceSpans.flatMap((resource) => {
        expect(resource.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'talkstack-calls-graphql' } });
        return resource.scopeSpans.flatMap((scope) => scope.spans);
      });
    });
    expect(exported.map((span) => span.name).sort()).toEqual(['graphql.operation', 'talkstack.batch', 'talkstack.call']);
    for (const span of exported) expect(span.traceId).toBe(incoming.traceId);
  });
});

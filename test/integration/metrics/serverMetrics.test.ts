/**
 * `/metrics` (contract): Prometheus text with the listed metrics and their `# TYPE` lines,
 * values that follow what the server did (upstream tries by outcome and status, loader
 * batches, operations, cache layers, subscriptions and pollers), no label value that could
 * name a credential, a sid, a project or a query, nothing at all with METRICS=false, and
 * servers in one process that keep their own counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { makeCredential } from '../../../src/identity/credential.js';
import { openSse } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const CALL = `query Call($sid: ID!) { call(sid: $sid) { sid status } }`;
const CALL_AGAIN = `query CallAgain($sid: ID!) { again: call(sid: $sid) { sid status } }`;
const CALLS = `query Calls($sids: [ID!]!) { calls(sids: $sids) { sid status } }`;
const WATCH = `subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status } }`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Scrape {
  text: string;
  samples: Sample[];
  types: Map<string, string>;
}

/** Parses the Prometheus text format (what this server writes: no escapes in label values). */
function parse(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name as string, type as string);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return { text, samples, types };
}

async function scrape(stack: Stack): Promise<Scrape> {
  const response = await fetch(`${stack.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parse(await response.text());
}

/** The value of one series (0 when absent: a counter not moved yet). */
function value(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const sample = scrape.samples.find(
    (s) => s.name === name && Object.keys(labels).every((key) => s.labels[key] === labels[key]) && Object.keys(s.labels).length === Object.keys(labels).length,
  );
  return sample?.value ?? 0;
}

let counter = 0;
const newSid = (label: string) => `CAmetrics${label}${++counter}`;

function storeCompleted(stack: Stack, sid: string) {
  stack.sim.setCall(DEMO_PROJECT_ID, sid, {
    status: 'completed',
    seconds: 3,
    cost: 0.01,
    date: 'Tue, 30 Jan 2024 13:39:53 +0000',
    recordingUrls: [`https://recordings.example/${sid}.mp3`],
  });
  return sid;
}

describe('/metrics with METRICS on (the default)', () => {
  let stack: Stack;
  const sidsUsed: string[] = [];
  const used = (label: string) => {
    const sid = newSid(label);
    sidsUsed.push(sid);
    return sid;
  };

  beforeAll(async () => {
    stack = await startStack({ config: { upstreamRetries: 2 } });
  });
  afterAll(() => stack?.close());

  it('lists every metric of the contract with its # TYPE, and the default process metrics', async () => {
    const { types } = await scrape(stack);
    expect(Object.fromEntries([
      'talkstack_upstream_requests_total',
      'talkstack_upstream_request_duration_seconds',
      'talkstack_upstream_in_flight',
      'talkstack_upstream_waiting',
      'talkstack_cache_requests_total',
      'talkstack_loader_batch_size',
      'talkstack_subscriptions_active',
      'talkstack_pollers_active',
      'talkstack_graphql_requests_total',
      'talkstack_upstream_refused_total',
      'talkstack_upstream_breakers_open',
      'talkstack_upstream_paced_tenants',
      'talkstack_stale_answers_total',
    ].map((name) => [name, types.get(name)]))).toEqual({
      talkstack_upstream_requests_total: 'counter',
      talkstack_upstream_request_duration_seconds: 'histogram',
      talkstack_upstream_in_flight: 'gauge',
      talkstack_upstream_waiting: 'gauge',
      talkstack_cache_requests_total: 'counter',
      talkstack_loader_batch_size: 'histogram',
      talkstack_subscriptions_active: 'gauge',
      talkstack_pollers_active: 'gauge',
      talkstack_graphql_requests_total: 'counter',
      talkstack_upstream_refused_total: 'counter',
      talkstack_upstream_breakers_open: 'gauge',
      talkstack_upstream_paced_tenants: 'gauge',
      talkstack_stale_answers_total: 'counter',
    });
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  });

  it('counts upstream tries by outcome and status, their durations, batches and operations', async () => {
    const before = await scrape(stack);
    const found = storeCompleted(stack, used('ok'));
    const missing = used('missing');
    stack.sim.injectFault(missing, { type: 'status', status: 404 });
    const flaky = storeCompleted(stack, used('flaky'));
    stack.sim.injectFault(flaky, { type: 'status', status: 500, times: 1 });
    const page = [storeCompleted(stack, used('p')), storeCompleted(stack, used('p')), storeCompleted(stack, used('p'))];

    expect((await stack.gql(CALL, { sid: found })).body.errors).toBeUndefined();
    expect((await stack.gql(CALL, { sid: missing })).body).toEqual({ data: { call: null } });
    expect((await stack.gql(CALL, { sid: flaky })).body.errors).toBeUndefined();
    expect((await stack.gql(CALLS, { sids: page })).body.errors).toBeUndefined();
    // Refused before execution: a syntax error, then an unknown field.
    expect((await stack.gql('{ call(sid: ', {})).body.errors).toBeDefined();
    expect((await stack.gql('{ nope }', {})).body.errors).toBeDefined();

    const after = await scrape(stack);
    const moved = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(stack.sim.stats.bySid.get(flaky)).toBe(2);
    // found, flaky's retry, and the page's three calls.
    expect(moved('talkstack_upstream_requests_total', { outcome: 'success', status: '200' })).toBe(5);
    expect(moved('talkstack_upstream_requests_total', { outcome: 'not_found', status: '404' })).toBe(1);
    expect(moved('talkstack_upstream_requests_total', { outcome: 'server_error', status: '500' })).toBe(1);
    expect(moved('talkstack_upstream_request_duration_seconds_count')).toBe(7);
    expect(moved('talkstack_upstream_request_duration_seconds_bucket', { le: '+Inf' })).toBe(7);
    expect(moved('talkstack_upstream_request_duration_seconds_sum')).toBeGreaterThan(0);
    // Three batches of one call, one of three.
    expect(moved('talkstack_loader_batch_size_count')).toBe(4);
    expect(moved('talkstack_loader_batch_size_sum')).toBe(6);
    expect(moved('talkstack_loader_batch_size_bucket', { le: '1' })).toBe(3);
    expect(moved('talkstack_loader_batch_size_bucket', { le: '5' })).toBe(4);
    expect(moved('talkstack_graphql_requests_total', { operation_type: 'query', outcome: 'success' })).toBe(4);
    expect(moved('talkstack_graphql_requests_total', { operation_type: 'query', outcome: 'error' })).toBe(0);
    expect(moved('talkstack_graphql_requests_total', { operation_type: 'unknown', outcome: 'error' })).toBe(2);
    expect(value(after, 'talkstack_upstream_in_flight')).toBe(0);
    expect(value(after, 'talkstack_upstream_waiting')).toBe(0);
  });

  it('counts an upstream error that fails the field as an operation error', async () => {
    const before = await scrape(stack);
    const broken = used('broken');
    stack.sim.injectFault(broken, { type: 'status', status: 401 });
    expect((await stack.gql(CALL, { sid: broken })).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const after = await scrape(stack);
    const moved = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(moved('talkstack_upstream_requests_total', { outcome: 'client_error', status: '401' })).toBe(1);
    expect(moved('talkstack_graphql_requests_total', { operation_type: 'query', outcome: 'error' })).toBe(1);
  });

  it('counts cache layers: a final call asked again by another query is a memory hit; the same request again, a response hit', async () => {
    const sid = storeCompleted(stack, used('cached'));
    const before = await scrape(stack);
    await stack.gql(CALL, { sid });
    await stack.gql(CALL_AGAIN, { sid });
    const mid = await scrape(stack);
    expect(value(mid, 'talkstack_cache_requests_total', { layer: 'memory', result: 'miss' }) - value(before, 'talkstack_cache_requests_total', { layer: 'memory', result: 'miss' })).toBe(1);
    expect(value(mid, 'talkstack_cache_requests_total', { layer: 'memory', result: 'hit' }) - value(before, 'talkstack_cache_requests_total', { layer: 'memory', result: 'hit' })).toBe(1);
    // The answer is kept once the response has gone: ask until the fast path answers (bounded).
    const hits = async () => value(await scrape(stack), 'talkstack_cache_requests_total', { layer: 'response', result: 'hit' });
    const hitsBefore = value(mid, 'talkstack_cache_requests_total', { layer: 'response', result: 'hit' });
    let now = hitsBefore;
    for (let i = 0; i < 20 && now === hitsBefore; i++) {
      await stack.gql(CALL, { sid });
      now = await hits();
    }
    expect(now).toBe(hitsBefore + 1);
  });

  it('shows open subscriptions by transport and the pollers serving them', async () => {
    const sid = used('live');
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'ringing', callSid: sid });
    const subscription = await openSse(stack.url, WATCH, { sid }, { 'x-api-key': DEMO_API_KEY });
    try {
      await subscription.payload(0);
      const open = await scrape(stack);
      expect(value(open, 'talkstack_subscriptions_active', { transport: 'sse' })).toBe(1);
      expect(value(open, 'talkstack_subscriptions_active', { transport: 'ws' })).toBe(0);
      expect(value(open, 'talkstack_pollers_active')).toBe(1);
      const before = value(open, 'talkstack_graphql_requests_total', { operation_type: 'subscription', outcome: 'success' });
      expect(before).toBeGreaterThanOrEqual(1);
    } finally {
      subscription.close();
    }
    // The stream ends when the server sees the client leave: scrape until it has (bounded).
    const stillOpen = (scraped: Scrape) =>
      value(scraped, 'talkstack_subscriptions_active', { transport: 'sse' }) !== 0 || value(scraped, 'talkstack_pollers_active') !== 0;
    let closed = await scrape(stack);
    for (const deadline = Date.now() + 5000; stillOpen(closed) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      closed = await scrape(stack);
    }
    expect(value(closed, 'talkstack_subscriptions_active', { transport: 'sse' })).toBe(0);
    expect(value(closed, 'talkstack_pollers_active')).toBe(0);
  });

  it('never puts a credential, its digests, a sid, a project or query text in a label', async () => {
    const { samples } = await scrape(stack);
    const credential = makeCredential(undefined, DEMO_API_KEY);
    const secrets = [DEMO_API_KEY, credential?.id, credential?.tenantId, DEMO_PROJECT_ID, ...sidsUsed, 'call(', 'sid', 'Call', 'query {'];
    const labelValues = new Set(samples.flatMap((sample) => Object.values(sample.labels)));
    expect(sidsUsed.length).toBeGreaterThan(5);
    for (const labelValue of labelValues) {
      for (const secret of secrets) expect(labelValue).not.toContain(secret as string);
    }
    // And the label names are the contract's, or prom-client's own process metrics'.
    const ours = samples.filter((sample) => sample.name.startsWith('talkstack_'));
    expect(new Set(ours.flatMap((sample) => Object.keys(sample.labels)))).toEqual(new Set(['outcome', 'status', 'le', 'layer', 'result', 'transport', 'operation_type', 'reason']));
  });

  it('answers GET and HEAD only', async () => {
    expect((await fetch(`${stack.url}/metrics`, { method: 'HEAD' })).status).toBe(200);
    const post = await fetch(`${stack.url}/metrics`, { method: 'POST', body: '' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('/metrics with METRICS=false', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { metrics: false } });
  });
  afterAll(() => stack?.close());

  it('is not served: the same 404 as any unknown path', async () => {
    const unknown = await fetch(`${stack.url}/no-such-path`);
    const metrics = await fetch(`${stack.url}/metrics`);
    expect(unknown.status).toBe(404);
    expect(metrics.status).toBe(404);
    expect(await metrics.text()).toBe(await unknown.text());
    // Queries still work.
    const sid = storeCompleted(stack, newSid('off'));
    expect((await stack.gql(CALL, { sid })).body.errors).toBeUndefined();
  });
});

describe('several servers in one process', () => {
  let a: Stack;
  let b: Stack;
  beforeAll(async () => {
    [a, b] = await Promise.all([startStack(), startStack()]);
  });
  afterAll(() => Promise.all([a?.close(), b?.close()]));

  it('each has its own registry: no registration conflict, counts that do not mix', async () => {
    const beforeB = await scrape(b);
    const sid = storeCompleted(a, newSid('a'));
    await a.gql(CALL, { sid });
    const afterA = await scrape(a);
    const afterB = await scrape(b);
    expect(value(afterA, 'talkstack_upstream_requests_total', { outcome: 'success', status: '200' })).toBe(1);
    expect(value(afterB, 'talkstack_upstream_requests_total', { outcome: 'success', status: '200' })).toBe(
      value(beforeB, 'talkstack_upstream_requests_total', { outcome: 'success', status: '200' }),
    );
    expect(value(afterB, 'talkstack_graphql_requests_total', { operation_type: 'query', outcome: 'success' })).toBe(0);
    // Both show the process metrics.
    expect(afterA.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(afterB.types.get('process_cpu_user_seconds_total')).toBe('counter');
  });
});

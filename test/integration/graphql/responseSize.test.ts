/**
 * MAX_RESPONSE_BYTES (graphql/responseSize.ts): `calls(sids: 1000 × one sid)` whose call
 * carries 240 KB of `data` is answered within the budget: the entries from where it would pass
 * are null with RESPONSE_TOO_LARGE (the first MAX_ERRORS of them, then TOO_MANY_ERRORS), the
 * upstream asked once; just under the budget, everything is answered. The same budget holds
 * when aliases repeat a large field, across all the payloads of a streamed or deferred answer,
 * and for each subscription event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { WsConnection, wsUrlOf } from '../../support/graphqlWsClient.js';
import { openSse, sseMessages } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const MAX = 8 * 1024 * 1024;
const PAGE = 'query P($sids: [ID!]!) { calls(sids: $sids) { sid data } }';

describe('MAX_RESPONSE_BYTES (8 MiB by default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAbig', { status: 'completed', seconds: 3, cost: 0.1, data: { transcript: 'x'.repeat(240_000) } });
  });
  afterAll(() => stack?.close());

  it('just under it: 30 copies of a 240 KB call are all answered', async () => {
    const response = await stack.gql<{ calls: unknown[] }>(PAGE, { sids: Array(30).fill('CAbig') });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.calls.every((row) => row !== null)).toBe(true);
  });

  it('far over it: 1000 copies are cut at the budget, in response order, with RESPONSE_TOO_LARGE', async () => {
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': 'demo-key' },
      body: JSON.stringify({ query: PAGE, variables: { sids: Array(1000).fill('CAbig') } }),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    const body = JSON.parse(text) as { data: { calls: (object | null)[] }; errors: { path?: unknown[]; extensions?: { code?: string } }[] };
    const answered = body.data.calls.findIndex((row) => row === null);
    expect(answered).toBeGreaterThan(25);
    expect(answered).toBeLessThan(40);
    expect(body.data.calls.slice(answered).every((row) => row === null)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(body.data))).toBeLessThanOrEqual(MAX);
    const codes = body.errors.map((error) => error.extensions?.code);
    expect(codes.slice(0, 100).every((code) => code === 'RESPONSE_TOO_LARGE')).toBe(true);
    expect(codes.at(-1)).toBe('TOO_MANY_ERRORS');
    expect(body.errors[0]?.path).toEqual(['calls', answered]);
    expect(stack.sim.stats.bySid.get('CAbig')).toBe(1);
    process.stderr.write(`[figures] calls(sids: 1000 × a 240 KB call): ${(text.length / 1e6).toFixed(1)} MB answered in ${ms.toFixed(0)} ms, RSS +${((process.memoryUsage().rss - rss) / 1e6).toFixed(0)} MB (was a 249 MB answer)\n`);
  });

  it('aliases repeating a large field count each time: 5 calls × 10 aliases of 240 KB are cut, not 12 MB', async () => {
    const aliases = Array.from({ length: 10 }, (_, i) => `d${i}: data`).join(' ');
    const response = await stack.gql<{ calls: (object | null)[] }>(`query P($sids: [ID!]!) { calls(sids: $sids) { sid ${aliases} } }`, { sids: Array(5).fill('CAbig') });
    expect(Buffer.byteLength(JSON.stringify(response.body.data))).toBeLessThanOrEqual(MAX);
    expect(response.body.data?.calls.map((row) => row !== null)).toEqual([true, true, true, false, false]);
    expect(response.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['RESPONSE_TOO_LARGE', ['calls', 3]],
      ['RESPONSE_TOO_LARGE', ['calls', 4]],
    ]);
  });

  it('one budget across the payloads of @stream and @defer: later items and a deferred call are cut', async () => {
    const query = `query P($sids: [ID!]!) {
      calls(sids: $sids) @stream(initialCount: 2) { sid data }
      ... @defer { extra: call(sid: "CAbig") { sid data } }
    }`;
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': DEMO_API_KEY },
      body: JSON.stringify({ query, variables: { sids: Array(60).fill('CAbig') } }),
    });
    type Part = { data?: Record<string, unknown> | null; items?: unknown[] | null; path?: (string | number)[]; errors?: { path?: unknown[]; extensions?: { code?: string } }[] };
    type Payload = Part & { incremental?: Part[] };
    const payloads: Payload[] = [];
    let bytes = 0;
    for await (const message of sseMessages(response.body as NonNullable<Response['body']>)) {
      if (message.event !== 'next') continue;
      const payload = JSON.parse(message.data) as Payload;
      payloads.push(payload);
      bytes += Buffer.byteLength(JSON.stringify(payload.data ?? null));
      for (const part of payload.incremental ?? []) bytes += Buffer.byteLength(JSON.stringify(part.data ?? part.items ?? null));
    }
    // Every payload's data and items together: within the budget (a little framing aside).
    expect(bytes).toBeLessThanOrEqual(MAX + 4096);
    const rows: unknown[] = [...((payloads[0]?.data?.['calls'] as unknown[]) ?? [])];
    let extra: unknown = 'not sent';
    const errors: { path?: unknown[]; extensions?: { code?: string } }[] = [...(payloads[0]?.errors ?? [])];
    for (const part of payloads.flatMap((payload) => payload.incremental ?? [])) {
      if (part.items) rows.push(...part.items);
      if (part.data && 'extra' in part.data) extra = part.data['extra'];
      errors.push(...(part.errors ?? []));
    }
    expect(rows).toHaveLength(60);
    const answered = rows.findIndex((row) => row === null);
    expect(answered).toBeGreaterThan(25);
    expect(rows.slice(answered).every((row) => row === null)).toBe(true);
    expect(errors.every((error) => error.extensions?.code === 'RESPONSE_TOO_LARGE' || error.extensions?.code === 'TOO_MANY_ERRORS')).toBe(true);
    expect(errors.some((error) => error.extensions?.code === 'RESPONSE_TOO_LARGE')).toBe(true);
    // The deferred call comes once the budget is spent (it waits on nothing, so it may come first: then it fits).
    if (extra === null) expect(errors.some((error) => JSON.stringify(error.path) === '["extra"]')).toBe(true);
    else expect(extra).toMatchObject({ sid: 'CAbig' });
  });
});

describe('MAX_RESPONSE_BYTES for subscription events (64 KiB here)', () => {
  let small: Stack;
  beforeAll(async () => {
    small = await startStack({ config: { maxResponseBytes: 65_536 } });
    small.sim.setCall(DEMO_PROJECT_ID, 'CAlarge', { status: 'completed', seconds: 3, cost: 0.1, data: { transcript: 'x'.repeat(100_000) } });
    small.sim.setCall(DEMO_PROJECT_ID, 'CAfits', { status: 'completed', seconds: 3, cost: 0.1, data: { transcript: 'x'.repeat(60_000) } });
  });
  afterAll(() => small?.close());
  const WATCH = 'subscription W($sid: ID!) { callUpdates(sid: $sid) { sid data } }';

  it('an event over it is `data: null` with RESPONSE_TOO_LARGE (SSE); one just under it is answered', async () => {
    const large = await openSse(small.url, WATCH, { sid: 'CAlarge' }, { 'x-api-key': DEMO_API_KEY });
    const event = await large.payload(0);
    expect(event.data).toBeNull();
    expect(event.errors?.map((error) => [error.extensions?.code, (error as { path?: unknown }).path])).toEqual([['RESPONSE_TOO_LARGE', ['callUpdates']]]);
    large.controller.abort();
    const fits = await openSse<{ callUpdates: { sid: string } }>(small.url, WATCH, { sid: 'CAfits' }, { 'x-api-key': DEMO_API_KEY });
    expect((await fits.payload(0)).data?.callUpdates.sid).toBe('CAfits');
    fits.controller.abort();
  });

  it('the same over a WebSocket, event by event (callsUpdates: the large call cut, the other answered)', async () => {
    const connection = new WsConnection(wsUrlOf(small.url), { connectionParams: { 'x-api-key': DEMO_API_KEY } });
    try {
      const operation = connection.operation<{ callsUpdates: { sid: string } | null }>('subscription W($sids: [ID!]!) { callsUpdates(sids: $sids) { sid data } }', { sids: ['CAlarge', 'CAfits'] });
      const events = [await operation.payload(0), await operation.payload(1)];
      const bySid = new Map(events.map((event) => [event.data?.callsUpdates?.sid ?? 'cut', event]));
      expect(bySid.has('CAfits')).toBe(true);
      expect(bySid.get('cut')?.errors?.map((error) => error.extensions?.code)).toEqual(['RESPONSE_TOO_LARGE']);
    } finally {
      await connection.close();
    }
  });
});

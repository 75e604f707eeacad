/**
 * Federation with real parts: this subgraph's committed SDL composed with a toy Shifts
 * subgraph, and a real gateway (Hive Gateway's runtime, configured as the README says)
 * resolving shifts → calls over HTTP: one `_entities` request per page, each distinct call
 * fetched once, within the default limits, the client's credential forwarded, errors per
 * representation, MAX_CALLS_PER_REQUEST across a batch; subscriptions through the gateway over
 * SSE; what a client sees for an unknown call. (`_entities` asked directly:
 * entities.test.ts; the gateway subscribing over WebSocket: gatewayWebSocket.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_LIVE_SIDS, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { docBlockAfter } from '../../support/docBlocks.js';
import { countAliases, countTokens } from '../../support/documentSize.js';
import { CALLS_SDL, type Gateway, GATEWAY_CONFIG_BLOCK, gatewayConfig, sseEvents, startGateway } from '../../support/gateway.js';
import { SHIFTS_SDL, type Shift, startShiftsSubgraph, type ShiftsSubgraph } from '../../support/shiftsSubgraph.js';
import { startStack, type Stack } from '../../support/stack.js';

const DISTINCT_CALLS = 120;
const SHIFTS = 200;
const sidOf = (i: number) => `CAfed${String(i).padStart(4, '0')}`;
/** 200 shifts over 120 calls: shift i references call i mod 120. */
const shifts: Shift[] = Array.from({ length: SHIFTS }, (_, i) => ({
  id: `shift-${i}`,
  callSid: sidOf(i % DISTINCT_CALLS),
  projectId: DEMO_PROJECT_ID,
}));

interface ShiftsResponse {
  data?: { shifts: Array<{ id: string; callSid: string; call: { sid: string; status: string; durationSeconds: number | null } | null }> };
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: { code?: string } }>;
}

const SHIFTS_QUERY = `query ShiftsPage($first: Int!) {
  shifts(first: $first) {
    id
    callSid
    call { sid status durationSeconds }
  }
}`;

async function queryGateway(gateway: Gateway, headers: Record<string, string>, query = SHIFTS_QUERY, variables: Record<string, unknown> = { first: SHIFTS }) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as ShiftsResponse };
}

describe('through a real gateway', () => {
  let stack: Stack;
  let shiftsSubgraph: ShiftsSubgraph;
  let gateway: Gateway;

  beforeAll(async () => {
    // Requests per operation are the point here: the cache of final calls is off (it has its own tests).
    stack = await startStack({ config: { cacheTtlSeconds: 0 } });
    for (let i = 0; i < DISTINCT_CALLS; i++) {
      stack.sim.setCall(DEMO_PROJECT_ID, sidOf(i), { status: 'completed', seconds: i, cost: 0.01 });
    }
    shiftsSubgraph = await startShiftsSubgraph(shifts);
    gateway = await startGateway([
      { name: 'calls', typeDefs: CALLS_SDL, url: `${stack.url}/graphql` },
      { name: 'shifts', typeDefs: SHIFTS_SDL, url: shiftsSubgraph.url },
    ]);
  });
  afterAll(async () => {
    await gateway.close();
    await shiftsSubgraph.close();
    await stack.close();
  });
  beforeEach(() => {
    stack.sim.resetStats();
    stack.sim.clearFaults();
    gateway.subgraphRequests.length = 0;
  });

  it(`resolves ${SHIFTS} shifts over ${DISTINCT_CALLS} distinct calls with exactly ${DISTINCT_CALLS} upstream requests`, async () => {
    const { status, body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY });

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.shifts).toHaveLength(SHIFTS);
    body.data?.shifts.forEach((shift, i) => {
      expect(shift.call).toEqual({ sid: sidOf(i % DISTINCT_CALLS), status: 'COMPLETED', durationSeconds: i % DISTINCT_CALLS });
    });
    expect(stack.sim.stats.requests).toBe(DISTINCT_CALLS);
    expect(stack.sim.stats.bySid.size).toBe(DISTINCT_CALLS);
    // The gateway sent the Calls subgraph one `_entities` request for the whole page.
    const toCalls = gateway.subgraphRequests.filter((r) => r.subgraph === 'calls');
    expect(toCalls).toHaveLength(1);
    expect(toCalls[0]?.query).toContain('_entities');
  });

  it('sends this subgraph requests within the default MAX_ALIASES (20) and MAX_TOKENS (2000)', async () => {
    const realistic = [
      SHIFTS_QUERY,
      `query ShiftsWithEverything($first: Int!) {
        shifts(first: $first) {
          id callSid projectId
          call {
            sid projectId status upstreamStatus isFinal from to phoneNumber date durationSeconds cost data
            recordings { url sid format }
            shift { partnerId shiftId assignmentId employeeGoesToWork cancellationReason newDate }
          }
        }
      }`,
      `query Mixed($first: Int!) {
        shifts(first: $first) { id call { status isFinal } }
        page: calls(sids: ["${sidOf(0)}", "${sidOf(1)}", "${sidOf(2)}"]) { sid status }
        one: call(sid: "${sidOf(3)}") { sid cost }
        other: call(sid: "${sidOf(4)}") { sid cost }
      }`,
    ];
    for (const query of realistic) {
      const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, query, { first: SHIFTS });
      expect(body.errors).toBeUndefined();
    }
    const toCalls = gateway.subgraphRequests.filter((r) => r.subgraph === 'calls');
    expect(toCalls.length).toBeGreaterThanOrEqual(realistic.length);
    const aliases = Math.max(...toCalls.map((r) => countAliases(r.query)));
    const tokens = Math.max(...toCalls.map((r) => countTokens(r.query)));
    console.info(`gateway → calls subgraph: at most ${aliases} aliases and ${tokens} tokens per request`);
    expect(aliases).toBeLessThanOrEqual(20);
    expect(tokens).toBeLessThanOrEqual(2000);
  });

  it('forwards the client credential: x-api-key and Authorization reach Talkstack unchanged', async () => {
    await queryGateway(gateway, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` }, SHIFTS_QUERY, { first: 3 });
    expect(stack.sim.requestLog.map((entry) => entry.authorization)).toEqual([
      `Bearer ${DEMO_BEARER_TOKEN}`,
      `Bearer ${DEMO_BEARER_TOKEN}`,
      `Bearer ${DEMO_BEARER_TOKEN}`,
    ]);
    stack.sim.resetStats();
    await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, SHIFTS_QUERY, { first: 2 });
    expect(stack.sim.requestLog.map((entry) => entry.apiKey)).toEqual([DEMO_API_KEY, DEMO_API_KEY]);
  });

  it('without a credential, each call field errors with UNAUTHENTICATED and nothing goes upstream', async () => {
    const { status, body } = await queryGateway(gateway, {}, SHIFTS_QUERY, { first: 3 });
    expect(status).toBe(200);
    expect(body.data?.shifts.map((shift) => shift.id)).toEqual(['shift-0', 'shift-1', 'shift-2']);
    expect(body.data?.shifts.every((shift) => shift.call === null)).toBe(true);
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(new Set(body.errors?.map((error) => error.extensions?.code))).toEqual(new Set(['UNAUTHENTICATED']));
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('errors stay per representation: one failing call does not fail the others', async () => {
    stack.sim.injectFault(sidOf(1), { type: 'status', status: 403 });
    stack.sim.deleteCall(DEMO_PROJECT_ID, sidOf(2));
    try {
      const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, SHIFTS_QUERY, { first: 4 });
      const calls = body.data?.shifts.map((shift) => shift.call?.sid ?? null);
      expect(calls).toEqual([sidOf(0), null, null, sidOf(3)]);
      // The gateway relocates a subgraph error onto the first field it asked of the entity.
      const forbidden = body.errors?.filter((error) => error.extensions?.code === 'FORBIDDEN') ?? [];
      expect(forbidden).toHaveLength(1);
      expect(forbidden[0]?.path?.slice(0, 3)).toEqual(['shifts', 1, 'call']);
      // The unknown call is null in `_entities`; the gateway adds its own (masked) error for it,
      // see "what a client sees for an unknown call" below.
      expect(body.errors?.every((error) => error.path?.[1] === 1 || error.path?.[1] === 2)).toBe(true);
    } finally {
      stack.sim.setCall(DEMO_PROJECT_ID, sidOf(2), { status: 'completed', seconds: 2, cost: 0.01 });
    }
  });

  it('sends _entities as one JSON POST per page, each distinct reference once, shaped { __typename, projectId, sid }', async () => {
    // `method: 'POST'` is there for subscriptions; entity fetches were JSON POSTs already.
    const query = `query ($first: Int!) { shifts(first: $first) { id call { sid projectId status } } }`;
    const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, query, { first: DISTINCT_CALLS + 30 });
    expect(body.errors).toBeUndefined();
    expect(body.data?.shifts.map((shift) => shift.call?.status)).toEqual(Array.from({ length: DISTINCT_CALLS + 30 }, () => 'COMPLETED'));
    const toCalls = gateway.subgraphRequests.filter((r) => r.subgraph === 'calls');
    expect(toCalls).toHaveLength(1);
    expect(toCalls[0]).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(toCalls[0]?.query).toContain('_entities(representations:$representations)');
    expect(toCalls[0]?.variables).toEqual({
      representations: Array.from({ length: DISTINCT_CALLS }, (_, i) => ({ __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: sidOf(i) })),
    });
  });
});

describe('MAX_CALLS_PER_REQUEST across _entities', () => {
  it('caps the distinct calls of an _entities batch; the excess gets TOO_MANY_CALLS and is not fetched', async () => {
    const stack = await startStack({ config: { maxCallsPerRequest: 100 } });
    const shiftsSubgraph = await startShiftsSubgraph(shifts);
    const gateway = await startGateway([
      { name: 'calls', typeDefs: CALLS_SDL, url: `${stack.url}/graphql` },
      { name: 'shifts', typeDefs: SHIFTS_SDL, url: shiftsSubgraph.url },
    ]);
    try {
      for (let i = 0; i < DISTINCT_CALLS; i++) stack.sim.setCall(DEMO_PROJECT_ID, sidOf(i), { status: 'busy' });
      const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, SHIFTS_QUERY, { first: DISTINCT_CALLS });
      expect(stack.sim.stats.requests).toBe(100);
      const resolved = body.data?.shifts.filter((shift) => shift.call !== null) ?? [];
      expect(resolved).toHaveLength(100);
      const codes = (body.errors ?? []).map((error) => error.extensions?.code);
      expect(codes).toHaveLength(20);
      expect(new Set(codes)).toEqual(new Set(['TOO_MANY_CALLS']));
    } finally {
      await gateway.close();
      await shiftsSubgraph.close();
      await stack.close();
    }
  });
});

/** The first fenced block of `language` on docs/federation.md after `marker`. */
const readmeBlock = (language: string, marker: string): string => docBlockAfter('docs/federation.md', marker, language).body;

describe("the README's Hive Gateway configuration", () => {
  it('is the configuration every gateway of these tests runs with (evaluated from the page)', () => {
    expect(GATEWAY_CONFIG_BLOCK.where).toMatch(/^docs\/federation\.md:\d+$/);
    expect(readmeBlock('ts', 'gateway.config.ts')).toBe(GATEWAY_CONFIG_BLOCK.body);
    expect(Object.keys(gatewayConfig).sort()).toEqual(['propagateHeaders', 'transportEntries']);
  });
});

interface SseResult {
  data?: { callUpdates: { sid: string; status: string; isFinal: boolean; durationSeconds: number | null } } | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }>;
}

const CALL_UPDATES = `subscription ($sid: ID!) { callUpdates(sid: $sid) { sid status isFinal durationSeconds } }`;

describe('subscriptions and unknown calls through the gateway', () => {
  const STEP_MS = 1000;
  // The simulator's clock: the live call only moves when a test moves it.
  let clock = Date.UTC(2026, 0, 5, 9, 0, 0);
  const KNOWN = 'CA3f9a61c0d2b84e57a1c6e0f4b29d8c73';
  const UNKNOWN = 'CAnot_a_call_talkstack_knows';
  let stack: Stack;
  let shiftsSubgraph: ShiftsSubgraph;
  let gateway: Gateway;

  beforeAll(async () => {
    stack = await startStack({ simulator: { now: () => clock, lifecycleStepMs: STEP_MS }, config: { callPollIntervalMs: 20 } });
    stack.sim.setCall(DEMO_PROJECT_ID, KNOWN, { status: 'completed', seconds: 42, cost: 0.01 });
    shiftsSubgraph = await startShiftsSubgraph([
      { id: 'shift-1', callSid: KNOWN, projectId: DEMO_PROJECT_ID },
      { id: 'shift-2', callSid: UNKNOWN, projectId: DEMO_PROJECT_ID },
    ]);
    gateway = await startGateway([
      { name: 'calls', typeDefs: CALLS_SDL, url: `${stack.url}/graphql` },
      { name: 'shifts', typeDefs: SHIFTS_SDL, url: shiftsSubgraph.url },
    ]);
  });
  afterAll(async () => {
    await gateway.close();
    await shiftsSubgraph.close();
    await stack.close();
  });
  beforeEach(() => {
    stack.sim.resetStats();
    gateway.subgraphRequests.length = 0;
  });

  const subscribe = (target: Gateway, sid: string, headers: Record<string, string>) =>
    fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: CALL_UPDATES, variables: { sid } }),
      signal: AbortSignal.timeout(8000),
    });

  const statusOf = (sid: string) => (stack.sim.getCall(DEMO_PROJECT_ID, sid) as { status: string }).status;

  /** Moves the clock one lifecycle step at a time until Talkstack would answer another status. */
  function advance(sid: string): void {
    const before = statusOf(sid);
    for (let step = 0; step < 10; step++) {
      clock += STEP_MS;
      if (statusOf(sid) !== before) return;
    }
    throw new Error(`${sid} stays ${before}`);
  }

  /** Every event of a stream, until it completes (an error when it ends without `complete`). */
  async function drain(response: Response, onResult: (result: SseResult) => void = () => undefined): Promise<SseResult[]> {
    const results: SseResult[] = [];
    for await (const { event, data } of sseEvents(response)) {
      if (event === 'complete') return results;
      expect(event).toBe('next');
      const result = JSON.parse(data) as SseResult;
      results.push(result);
      onResult(result);
    }
    throw new Error('the stream ended without a complete event');
  }

  it("a client's SSE subscription to a live call gets each change, then completion; the credential reaches Talkstack", async () => {
    const sid = DEMO_LIVE_SIDS[0] ?? '';
    expect(statusOf(sid)).toBe('queued');
    const response = await subscribe(gateway, sid, { 'x-api-key': DEMO_API_KEY });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');

    const results = await drain(response, (result) => {
      if (result.data?.callUpdates.isFinal === false) advance(sid);
    });

    expect(results.map((result) => result.errors)).toEqual(results.map(() => undefined));
    expect(results.map((result) => result.data?.callUpdates.status)).toEqual(['QUEUED', 'RINGING', 'IN_PROGRESS', 'COMPLETED']);
    expect(results.at(-1)?.data?.callUpdates).toMatchObject({ sid, isFinal: true, durationSeconds: expect.any(Number) });
    // The gateway subscribed with a JSON POST, which CSRF prevention lets through as it is.
    expect(gateway.subgraphRequests).toEqual([
      expect.objectContaining({ subgraph: 'calls', method: 'POST', accept: 'text/event-stream', contentType: 'application/json', variables: { sid } }),
    ]);
    const polls = stack.sim.requestLog.filter((entry) => entry.sid === sid);
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(new Set(polls.map((entry) => entry.apiKey))).toEqual(new Set([DEMO_API_KEY]));
  });

  it('forwards Authorization on a subscription as well', async () => {
    const response = await subscribe(gateway, KNOWN, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` });
    const results = await drain(response);
    expect(results).toEqual([{ data: { callUpdates: { sid: KNOWN, status: 'COMPLETED', isFinal: true, durationSeconds: 42 } } }]);
    expect(stack.sim.requestLog.map((entry) => entry.authorization)).toEqual([`Bearer ${DEMO_BEARER_TOKEN}`]);
  });

  it('without a credential the subscription gets one UNAUTHENTICATED event and completes; nothing goes upstream', async () => {
    const response = await subscribe(gateway, DEMO_LIVE_SIDS[1] ?? '', {});
    expect(response.status).toBe(200);
    const results = await drain(response);
    expect(results).toHaveLength(1);
    expect(results[0]?.data ?? null).toBeNull();
    expect(results[0]?.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['callUpdates'], 'UNAUTHENTICATED']]);
    expect(stack.sim.stats.requests).toBe(0);
  });

  it("Hive Gateway's default subscription request (an SSE GET without the CSRF header) is refused: why the README sets method POST", async () => {
    const defaults = await startGateway(
      [
        { name: 'calls', typeDefs: CALLS_SDL, url: `${stack.url}/graphql` },
        { name: 'shifts', typeDefs: SHIFTS_SDL, url: shiftsSubgraph.url },
      ],
      { transportEntries: {} },
    );
    try {
      const results = await drain(await subscribe(defaults, KNOWN, { 'x-api-key': DEMO_API_KEY }));
      // docs/federation.md shows that event as it is.
      expect(results).toEqual([JSON.parse(readmeBlock('json', '**Subscriptions through the gateway.**'))]);
      expect(results).toEqual([
        {
          data: null,
          errors: [
            {
              message: expect.stringContaining('add the header `x-graphql-yoga-csrf`'),
              path: ['callUpdates'],
              extensions: { code: 'CSRF_HEADER_REQUIRED', serviceName: 'calls' },
            },
          ],
        },
      ]);
      expect(defaults.subgraphRequests).toEqual([expect.objectContaining({ method: 'GET', accept: 'text/event-stream', contentType: undefined })]);
      expect(stack.sim.stats.requests).toBe(0);
    } finally {
      await defaults.close();
    }
  });

  it('a client leaving the stream stops the polling behind it', async () => {
    const sid = DEMO_LIVE_SIDS[2] ?? '';
    expect(statusOf(sid)).not.toBe('completed');
    const events = sseEvents(await subscribe(gateway, sid, { 'x-api-key': DEMO_API_KEY }));
    expect((await events.next()).value).toMatchObject({ event: 'next' });
    await events.return(undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const polled = stack.sim.stats.requests;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stack.sim.stats.requests).toBe(polled);
  });

  describe('what a client sees for an unknown call', () => {
    it('through an entity reference: the field is null with the gateway\'s own masked error (as the README shows)', async () => {
      const query = readmeBlock('graphql', 'An unknown call');
      const expected: unknown = JSON.parse(readmeBlock('json', 'An unknown call'));
      const { status, body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, query, {});
      expect(status).toBe(200);
      expect(body).toEqual(expected);
      // This subgraph answered the reference with null and no error: the error is the gateway's.
      const toCalls = gateway.subgraphRequests.filter((r) => r.subgraph === 'calls');
      expect(toCalls).toHaveLength(1);
      const direct = await stack.gql(toCalls[0]?.query ?? '', toCalls[0]?.variables);
      expect(direct.body).toEqual({ data: { _entities: [{ __typename: 'Call', status: 'COMPLETED' }, null] } });
    });

    it('through the root field: null, no error', async () => {
      const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, `{ call(sid: "${UNKNOWN}") { sid status } }`, {});
      expect(body).toEqual({ data: { call: null } });
    });

    it('asking only for key fields: the gateway answers from the reference, without asking this subgraph', async () => {
      const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, `{ shifts(first: 2) { id call { sid projectId } } }`, {});
      expect(body).toEqual({
        data: {
          shifts: [
            { id: 'shift-1', call: { sid: KNOWN, projectId: DEMO_PROJECT_ID } },
            { id: 'shift-2', call: { sid: UNKNOWN, projectId: DEMO_PROJECT_ID } },
          ],
        },
      });
      expect(gateway.subgraphRequests.filter((r) => r.subgraph === 'calls')).toEqual([]);
    });
  });
});

/**
 * A real Hive Gateway subscribing to this subgraph over WebSocket (`@graphql-mesh/transport-ws`,
 * `graphql-transport-ws`) with the README's `webSocketGatewayConfig`: clients subscribe to
 * the gateway over SSE (or WebSocket), the gateway to this server over a WebSocket carrying
 * the client's credential in `connection_init`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { CALLS_SDL, type Gateway, sseEvents, startGateway, WEBSOCKET_GATEWAY_CONFIG_BLOCK, webSocketGatewayConfig } from '../../support/gateway.js';
import { SHIFTS_SDL, startShiftsSubgraph, type ShiftsSubgraph } from '../../support/shiftsSubgraph.js';
import { waitUntil } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const README = readFileSync(new URL('../../../docs/clients.md', import.meta.url), 'utf8');
const WATCH = `subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status isFinal } }`;

interface Result {
  data?: { callUpdates: { sid: string; status: string; isFinal: boolean } } | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }>;
}

const ringing = (sid: string) => ({ status: 'ringing', callSid: sid });
let counter = 0;
const freshSid = () => `CAgw${String(counter++).padStart(28, '0')}`;

describe("the README's WebSocket gateway configuration", () => {
  it('is the configuration the gateway below runs with', () => {
    const section = README.slice(README.indexOf('## WebSocket (graphql-ws), Apollo Client and Apollo Router'));
    const block = /```ts\n(import \{ defineConfig \} from '@graphql-hive\/gateway';[\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(block).toBe(WEBSOCKET_GATEWAY_CONFIG_BLOCK.body);
    expect(WEBSOCKET_GATEWAY_CONFIG_BLOCK.where).toMatch(/^docs\/clients\.md:\d+$/);
    expect(webSocketGatewayConfig.transportEntries).toBeDefined();
  });
});

describe('Hive Gateway subscribing over WebSocket', () => {
  let stack: Stack;
  let shifts: ShiftsSubgraph;
  let gateway: Gateway;

  beforeAll(async () => {
    stack = await startStack({ config: { callPollIntervalMs: 20, maxSubscriptionsPerCredential: 1 } });
    shifts = await startShiftsSubgraph([]);
    gateway = await startGateway(
      [
        { name: 'calls', typeDefs: CALLS_SDL, url: `${stack.url}/graphql` },
        { name: 'shifts', typeDefs: SHIFTS_SDL, url: shifts.url },
      ],
      webSocketGatewayConfig,
    );
  });
  afterAll(async () => {
    await gateway.close();
    await shifts.close();
    await stack.close();
  });
  beforeEach(() => {
    stack.sim.resetStats();
    gateway.subgraphRequests.length = 0;
  });

  const subscribe = (sid: string, headers: Record<string, string>) =>
    fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: WATCH, variables: { sid } }),
      signal: AbortSignal.timeout(8000),
    });

  it('a client subscribing over SSE gets each change, then complete; the gateway used a WebSocket, not SSE', async () => {
    const sid = freshSid();
    stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const response = await subscribe(sid, { 'x-api-key': DEMO_API_KEY });
    expect(response.status).toBe(200);
    const results: Result[] = [];
    for await (const { event, data } of sseEvents(response)) {
      if (event === 'complete') break;
      const result = JSON.parse(data) as Result;
      results.push(result);
      if (results.length === 1) {
        // Subscribed over a WebSocket: one connection is open on this server now.
        expect(stack.server.stats().webSocketConnections).toBe(1);
        expect(stack.server.stats().subscriptions.open).toBe(1);
        stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', callSid: sid, seconds: 3, cost: 0.01 });
      }
    }
    expect(results).toEqual([
      { data: { callUpdates: { sid, status: 'RINGING', isFinal: false } } },
      { data: { callUpdates: { sid, status: 'COMPLETED', isFinal: true } } },
    ]);
    // No HTTP request (SSE or other) went to this subgraph for the subscription.
    expect(gateway.subgraphRequests.filter((r) => r.subgraph === 'calls')).toEqual([]);
    // The client's credential reached Talkstack through connection_init.
    expect(new Set(stack.sim.requestLog.filter((e) => e.sid === sid).map((e) => [e.apiKey, e.authorization].join('|')))).toEqual(new Set([`${DEMO_API_KEY}|`]));
  });

  it('forwards Authorization as well', async () => {
    const sid = freshSid();
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', callSid: sid, seconds: 3, cost: 0.01 });
    const events = [];
    for await (const event of sseEvents(await subscribe(sid, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` }))) events.push(event);
    expect(events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(stack.sim.requestLog.map((e) => [e.apiKey, e.authorization])).toEqual([[undefined, `Bearer ${DEMO_BEARER_TOKEN}`]]);
  });

  it('without a credential the client gets UNAUTHENTICATED; nothing goes upstream', async () => {
    const events = [];
    for await (const event of sseEvents(await subscribe(freshSid(), {}))) events.push(event);
    expect(events.at(-1)?.event).toBe('complete');
    const errors = events.filter((e) => e.event === 'next').flatMap((e) => (JSON.parse(e.data) as Result).errors ?? []);
    console.info(`through the gateway, a subscription without a credential: ${JSON.stringify(events)}`);
    expect(errors.map((error) => error.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
    expect(stack.sim.stats.requests).toBe(0);
  });

  it("a subscription refused by the caps: this server's error message reaches the client as the gateway's masked error", async () => {
    const first = freshSid();
    stack.sim.setCall(DEMO_PROJECT_ID, first, ringing(first));
    const holding = sseEvents(await subscribe(first, { 'x-api-key': DEMO_API_KEY }));
    try {
      expect((await holding.next()).value).toMatchObject({ event: 'next' });
      const events = [];
      for await (const event of sseEvents(await subscribe(freshSid(), { 'x-api-key': DEMO_API_KEY }))) events.push(event);
      console.info(`through the gateway, a subscription over MAX_SUBSCRIPTIONS_PER_CREDENTIAL: ${JSON.stringify(events)}`);
      expect(events.map((e) => e.event)).toEqual(['next', 'complete']);
      expect((JSON.parse(events[0]?.data ?? '{}') as Result).errors).toEqual([
        { message: 'Unexpected error.', locations: [{ line: 1, column: 1 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ]);
    } finally {
      await holding.return(undefined);
    }
    await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'the first subscription ended');
  });

  it('a client leaving stops the polling behind it and frees the subscription slot', async () => {
    const sid = freshSid();
    stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const events = sseEvents(await subscribe(sid, { 'x-api-key': DEMO_API_KEY }));
    expect((await events.next()).value).toMatchObject({ event: 'next' });
    await events.return(undefined);
    await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'the subscription on this server ended');
    const polled = stack.sim.stats.bySid.get(sid) ?? 0;
    const deadline = Date.now() + 200;
    await waitUntil(() => Date.now() > deadline, 'ten poll intervals went by');
    expect(stack.sim.stats.bySid.get(sid) ?? 0).toBeLessThanOrEqual(polled + 1);
  });
});

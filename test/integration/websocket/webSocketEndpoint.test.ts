/**
 * GraphQL over WebSocket (graphql-ws, `graphql-transport-ws`) on /graphql, with graphql-ws's
 * own client against a real server and the simulator on loopback: the same answers as over
 * HTTP and SSE, the credential from `connection_init`, the upgrade gates (origin, subprotocol,
 * path, request head, draining), the subscription caps shared with SSE, the plugins of the
 * HTTP path, cancellation, and stopping. Every wait is bounded. (The origin rule's cases, own
 * origin and look-alikes included: unit/http/cors.test.ts.)
 */
import { request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { makeCredential } from '../../../src/identity/credential.js';
import { MAX_CREDENTIAL_VALUE_LENGTH } from '../../../src/websocket/connectionCredential.js';
import { upgradeStatus, WsConnection, type WsConnectionOptions, wsUrlOf } from '../../support/graphqlWsClient.js';
import { openSse, type SseSubscription, waitUntil } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const LISTED_ORIGIN = 'http://dashboard.example';
const POLL_MS = 20;
const KEY = { 'x-api-key': DEMO_API_KEY };
const BEARER = `Bearer ${DEMO_BEARER_TOKEN}`;
const KEY_TENANT = makeCredential(undefined, DEMO_API_KEY)?.tenantId as string;

const DONE_SID = 'CAws0000000000000000000000000001';
const CALL_QUERY = `query One($sid: ID!) { call(sid: $sid) { sid projectId status isFinal durationSeconds cost recordings { url format } } }`;
const CALLS_QUERY = `query Page($sids: [ID!]!) { calls(sids: $sids) { sid status durationSeconds } }`;
const WATCH = `subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status isFinal durationSeconds } }`;

type Watch = { callUpdates: { sid: string; status: string; isFinal: boolean; durationSeconds: number | null } };

const ringing = (sid: string) => ({ status: 'ringing', callSid: sid });
const completed = (sid: string) => ({ status: 'completed', callSid: sid, seconds: 61, cost: 0.02 });

let sidCounter = 100;
/** A fresh sid per test, so pollers and counters never mix. */
const freshSid = () => `CAws${String(sidCounter++).padStart(28, '0')}`;

const opened: WsConnection[] = [];
const sses: SseSubscription[] = [];

function connect(stack: Stack, options: WsConnectionOptions = { connectionParams: KEY }): WsConnection {
  const connection = new WsConnection(wsUrlOf(stack.url), options);
  opened.push(connection);
  return connection;
}

async function closeAll(stack: Stack): Promise<void> {
  for (const sse of sses.splice(0)) sse.close();
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
  await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'every subscription was released');
}

/** A full garbage collection, for comparing heaps (V8's `gc`, exposed at run time). */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The codes of a `next` payload's errors. */
const codes = (payload: { errors?: Array<{ extensions?: { code?: string } }> }) => (payload.errors ?? []).map((e) => e.extensions?.code);

describe('GraphQL over WebSocket', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      config: {
        callPollIntervalMs: POLL_MS,
        corsOrigins: [LISTED_ORIGIN],
        maxSubscriptionsPerCredential: 2,
        maxDocumentBytes: 4096,
        maxAliases: 3,
        upstreamRetries: 0,
        cacheTtlSeconds: 0,
      },
    });
    stack.sim.setCall(DEMO_PROJECT_ID, DONE_SID, completed(DONE_SID));
  });
  afterEach(async () => {
    stack.sim.clearFaults();
    await closeAll(stack);
  });
  afterAll(async () => {
    await stack.close();
  });
  beforeEach(() => stack.sim.resetStats());

  describe('the same answers as over HTTP and SSE', () => {
    it('a query gives the body HTTP gives (a next, then complete), with one upstream request per call', async () => {
      const other = freshSid();
      stack.sim.setCall(DEMO_PROJECT_ID, other, ringing(other));
      const overHttp = await stack.gql(CALLS_QUERY, { sids: [DONE_SID, other, 'CAunknown_to_talkstack'] });
      const single = await stack.gql(CALL_QUERY, { sid: DONE_SID });
      stack.sim.resetStats();

      const ws = connect(stack);
      expect(await ws.query(CALLS_QUERY, { sids: [DONE_SID, other, 'CAunknown_to_talkstack'] })).toEqual(overHttp.body);
      expect(await ws.query(CALL_QUERY, { sid: DONE_SID })).toEqual(single.body);
      expect(stack.sim.stats.requests).toBe(4);
    });

    it('a callUpdates subscription gets the events SSE gets: the call, each change, then complete', async () => {
      const run = async (open: (sid: string) => Promise<{ payload(i: number): Promise<unknown>; end(): Promise<void> }>) => {
        const sid = freshSid();
        stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
        const subscription = await open(sid);
        const first = await subscription.payload(0);
        stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
        const second = await subscription.payload(1);
        stack.sim.setCall(DEMO_PROJECT_ID, sid, completed(sid));
        const third = await subscription.payload(2);
        await subscription.end();
        // Results name their own sid: compare them with the sid taken out.
        return JSON.parse(JSON.stringify([first, second, third]).replaceAll(sid, '<sid>')) as unknown;
      };
      const overSse = await run(async (sid) => {
        const sse = await openSse<Watch>(stack.url, WATCH, { sid }, KEY);
        sses.push(sse as unknown as SseSubscription);
        return sse;
      });
      const ws = connect(stack);
      const overWs = await run(async (sid) => ws.operation<Watch>(WATCH, { sid }));

      expect(overWs).toEqual(overSse);
      expect(overWs).toEqual([
        { data: { callUpdates: { sid: '<sid>', status: 'RINGING', isFinal: false, durationSeconds: null } } },
        { data: { callUpdates: { sid: '<sid>', status: 'IN_PROGRESS', isFinal: false, durationSeconds: null } } },
        { data: { callUpdates: { sid: '<sid>', status: 'COMPLETED', isFinal: true, durationSeconds: 61 } } },
      ]);
    });

    it('an error thrown by an open stream is one last next carrying its code, then complete, as over SSE', async () => {
      const sid = freshSid();
      stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
      const ws = connect(stack);
      const watch = ws.operation<Watch>(WATCH, { sid });
      expect((await watch.payload(0)).data?.callUpdates.status).toBe('RINGING');
      stack.sim.injectFault(sid, { type: 'status', status: 503 });
      await watch.end();
      expect(watch.events.map((event) => event.type)).toEqual(['next', 'next', 'complete']);
      const last = watch.nextEvents()[1];
      expect(codes(last ?? {})).toEqual(['UPSTREAM_ERROR']);
      expect(JSON.stringify(last)).not.toContain('"http"');
    });

    it('a malformed sid: one BAD_USER_INPUT next, then complete, as over SSE; nothing goes upstream', async () => {
      const ws = connect(stack);
      const watch = ws.operation<Watch>(WATCH, { sid: 'not a sid!' });
      await watch.end();
      const sse = await openSse<Watch>(stack.url, WATCH, { sid: 'not a sid!' }, KEY);
      sses.push(sse as unknown as SseSubscription);
      await sse.end();
      expect(watch.events.map((event) => event.type)).toEqual(['next', 'complete']);
      expect(watch.nextEvents()).toEqual(sse.nextEvents());
      expect(codes(watch.nextEvents()[0] ?? {})).toEqual(['BAD_USER_INPUT']);
      expect(stack.sim.stats.requests).toBe(0);
    });

    it('an unknown call: one NOT_FOUND next, then complete', async () => {
      const ws = connect(stack);
      const watch = ws.operation<Watch>(WATCH, { sid: 'CAunknown_to_talkstack' });
      await watch.end();
      expect(watch.events.map((event) => event.type)).toEqual(['next', 'complete']);
      expect(codes(watch.nextEvents()[0] ?? {})).toEqual(['NOT_FOUND']);
    });
  });

  describe('the credential', () => {
    const upstreamCredentials = () => stack.sim.requestLog.map(({ apiKey, authorization }) => ({ apiKey, authorization }));

    it.each([
      ['x-api-key at the top level', { 'x-api-key': DEMO_API_KEY }, { apiKey: DEMO_API_KEY, authorization: undefined }],
      ['X-Api-Key in another case', { 'X-Api-Key': DEMO_API_KEY }, { apiKey: DEMO_API_KEY, authorization: undefined }],
      ['Authorization at the top level', { Authorization: BEARER }, { apiKey: undefined, authorization: BEARER }],
      ['authorization under headers', { headers: { authorization: BEARER } }, { apiKey: undefined, authorization: BEARER }],
      ['X-API-KEY under headers', { headers: { 'X-API-KEY': DEMO_API_KEY } }, { apiKey: DEMO_API_KEY, authorization: undefined }],
      ['both keys, one at each level', { 'x-api-key': DEMO_API_KEY, headers: { Authorization: BEARER } }, { apiKey: DEMO_API_KEY, authorization: BEARER }],
      ['the same key twice with the same value', { 'x-api-key': DEMO_API_KEY, headers: { 'x-api-key': DEMO_API_KEY } }, { apiKey: DEMO_API_KEY, authorization: undefined }],
    ])('comes from connection_init: %s', async (_name, connectionParams, expected) => {
      const ws = connect(stack, { connectionParams });
      const result = await ws.query(CALL_QUERY, { sid: DONE_SID });
      expect(result.errors).toBeUndefined();
      expect(upstreamCredentials()).toEqual([expected]);
    });

    it('else from the upgrade request headers', async () => {
      const ws = connect(stack, { headers: { authorization: BEARER } });
      expect((await ws.query(CALL_QUERY, { sid: DONE_SID })).errors).toBeUndefined();
      expect(upstreamCredentials()).toEqual([{ apiKey: undefined, authorization: BEARER }]);
    });

    it('connection_init wins over the upgrade headers, wholly', async () => {
      const ws = connect(stack, { connectionParams: KEY, headers: { authorization: 'Bearer not-this-one' } });
      expect((await ws.query(CALL_QUERY, { sid: DONE_SID })).errors).toBeUndefined();
      expect(upstreamCredentials()).toEqual([{ apiKey: DEMO_API_KEY, authorization: undefined }]);
    });

    it('with none at all: UNAUTHENTICATED, for a query field and for a subscription (one next, then complete, as over SSE); nothing goes upstream', async () => {
      const ws = connect(stack, {});
      const result = await ws.query(CALL_QUERY, { sid: DONE_SID });
      expect(result.data).toEqual({ call: null });
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
      const watch = ws.operation<Watch>(WATCH, { sid: DONE_SID });
      await watch.end();
      expect(watch.events).toEqual([
        { type: 'next', payload: { errors: [expect.objectContaining({ path: ['callUpdates'], extensions: { code: 'UNAUTHENTICATED' } })] } },
        { type: 'complete' },
      ]);
      const sse = await openSse<Watch>(stack.url, WATCH, { sid: DONE_SID }, {});
      sses.push(sse as unknown as SseSubscription);
      await sse.end();
      expect(watch.nextEvents()).toEqual(sse.nextEvents());
      expect(stack.sim.stats.requests).toBe(0);
    });

    it.each([
      ['a number', { 'x-api-key': 12345 }, '"x-api-key" must be a string'],
      ['null', { authorization: null }, '"authorization" must be a string'],
      ['an object under headers', { headers: { 'x-api-key': { value: DEMO_API_KEY } } }, '"x-api-key" must be a string'],
      ['two spellings with different values', { 'x-api-key': DEMO_API_KEY, 'X-API-KEY': 'other' }, 'more than once'],
      ['top level and headers disagreeing', { authorization: BEARER, headers: { authorization: 'Bearer other' } }, 'more than once'],
      ['a value over the header budget', { 'x-api-key': `${DEMO_API_KEY}${'x'.repeat(MAX_CREDENTIAL_VALUE_LENGTH)}` }, `"x-api-key" is longer than ${MAX_CREDENTIAL_VALUE_LENGTH} characters`],
      ['CR LF (a header injection)', { authorization: `${BEARER}\r\nx-injected: 1` }, '"authorization" is not a valid HTTP header value'],
      ['a lone LF under headers', { headers: { 'X-Api-Key': `${DEMO_API_KEY}\n` } }, '"x-api-key" is not a valid HTTP header value'],
      ['NUL', { 'x-api-key': `${DEMO_API_KEY}\u0000` }, '"x-api-key" is not a valid HTTP header value'],
      ['DEL', { 'x-api-key': `${DEMO_API_KEY}\u007f` }, '"x-api-key" is not a valid HTTP header value'],
      ['a character outside Latin-1', { 'x-api-key': `${DEMO_API_KEY}\u20ac` }, '"x-api-key" is not a valid HTTP header value'],
    ])('a credential key holding %s refuses the connection with 4400, naming the key, never a value', async (_name, connectionParams, reason) => {
      const ws = connect(stack, { connectionParams });
      const closed = await ws.waitClosed();
      expect(closed.code).toBe(4400);
      expect(closed.reason).toContain(reason);
      expect(closed.reason).not.toContain(DEMO_API_KEY);
      expect(ws.connected).toBe(false);
      expect(stack.sim.stats.requests).toBe(0);
    });

    it('a value at the header budget, with a tab and Latin-1 characters, is accepted and forwarded unchanged', async () => {
      const apiKey = `k\té${'x'.repeat(MAX_CREDENTIAL_VALUE_LENGTH - 3)}`;
      const ws = connect(stack, { connectionParams: { 'x-api-key': apiKey } });
      await ws.waitConnected();
      await ws.query(CALL_QUERY, { sid: DONE_SID });
      expect(upstreamCredentials()).toEqual([{ apiKey, authorization: undefined }]);
    });

    it('200 sockets each offering a 100 KB credential are refused and leave the heap where it was', async () => {
      const collectGarbage = exposedGc();
      const sockets = 200;
      /** One socket: its huge credential, then (were it accepted) a query, as the attack does. */
      const attempt = async (i: number): Promise<number> => {
        const ws = connect(stack, { connectionParams: { 'x-api-key': `k${i}-${'x'.repeat(100_000)}` } });
        await waitUntil(() => ws.connected || ws.closedWith !== undefined, 'the connection was acknowledged or refused');
        if (ws.connected) await ws.operation('{ __typename }').end();
        await ws.close();
        opened.splice(opened.indexOf(ws), 1);
        return ws.closedWith?.code ?? 0;
      };
      for (let i = 0; i < 5; i++) await attempt(i);
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      const closeCodes = new Set<number>();
      for (let i = 5; i < sockets; i++) closeCodes.add(await attempt(i));
      collectGarbage();
      const grown = process.memoryUsage().heapUsed - before;
      // Kept, they would be ~20 MB (195 × 100 KB); what is left is noise of the test itself.
      expect(grown, `heap grew by ${(grown / 1e6).toFixed(1)} MB`).toBeLessThan(6_000_000);
      expect([...closeCodes]).toEqual([4400]);
      expect(stack.sim.stats.requests).toBe(0);
    });

    it('the payload is never logged', async () => {
      const secret = 'ws-secret-that-must-not-be-logged';
      const ws = connect(stack, { connectionParams: { 'x-api-key': secret, other: 'thing' } });
      await ws.query(CALL_QUERY, { sid: DONE_SID });
      const bad = connect(stack, { connectionParams: { 'x-api-key': secret, 'X-API-KEY': `${secret}2` } });
      await bad.waitClosed();
      expect(stack.logs.join('\n')).not.toContain(secret);
    });
  });

  describe('the upgrade', () => {
    const url = () => wsUrlOf(stack.url);

    // One case per outcome of the origin rule; its cases (own origin, look-alikes, proxies): unit/http/cors.test.ts.
    it.each([
      ['no Origin (servers, gateways)', undefined, 101],
      ['a listed origin', LISTED_ORIGIN, 101],
      ['an unlisted origin', 'http://evil.example', 403],
    ])('%s: %s', async (_name, origin, expected) => {
      expect(await upgradeStatus(url(), 'graphql-transport-ws', origin ? { origin } : {})).toBe(expected);
    });

    it('an unlisted origin gets a 403 answer and no WebSocket: the graphql-ws client never connects', async () => {
      const ws = connect(stack, { connectionParams: KEY, headers: { origin: 'http://evil.example' } });
      const closed = await ws.waitClosed();
      expect(ws.connected).toBe(false);
      expect(closed.code).not.toBe(1000);
      expect(stack.server.stats().webSocketConnections).toBe(0);
    });

    it('only the graphql-transport-ws subprotocol is accepted', async () => {
      expect(await upgradeStatus(url(), 'graphql-ws')).toBe(400);
      expect(await upgradeStatus(url(), undefined)).toBe(400);
      expect(await upgradeStatus(url(), ['graphql-ws', 'graphql-transport-ws'])).toBe(101);
    });

    it('only on /graphql', async () => {
      expect(await upgradeStatus(wsUrlOf(stack.url, '/elsewhere'), 'graphql-transport-ws')).toBe(404);
      expect(await upgradeStatus(wsUrlOf(stack.url, '/graphql?x=1'), 'graphql-transport-ws')).toBe(101);
    });

    it('a credential header sent twice on the upgrade is refused (400), as over HTTP', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const { port } = new URL(stack.url);
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path: '/graphql',
          headers: [
            ['Connection', 'Upgrade'],
            ['Upgrade', 'websocket'],
            ['Sec-WebSocket-Version', '13'],
            ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
            ['Sec-WebSocket-Protocol', 'graphql-transport-ws'],
            ['x-api-key', 'one'],
            ['x-api-key', 'two'],
          ].flat(),
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('upgrade', (_res, socket) => {
          socket.destroy();
          resolve(101);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(400);
    });

    it('an upgrade to something else (h2c, as curl --http2 asks) is served as a plain request, body included', async () => {
      const { port } = new URL(stack.url);
      const body = JSON.stringify({ query: CALL_QUERY, variables: { sid: DONE_SID } });
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path: '/graphql',
          method: 'POST',
          headers: {
            connection: 'Upgrade, HTTP2-Settings',
            upgrade: 'h2c',
            'http2-settings': 'AAMAAABkAAQAoAAAAAIAAAAA',
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...KEY,
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ data: { call: { sid: DONE_SID, status: 'COMPLETED' } } });
    });

    it('a message over MAX_BODY_BYTES closes the connection (1009)', async () => {
      const ws = connect(stack);
      await ws.waitConnected();
      const big = ws.operation(`{ __typename }\n#${'x'.repeat(stack.server.config.maxBodyBytes)}`);
      const closed = await ws.waitClosed();
      expect(closed.code).toBe(1009);
      expect(big.ended).toBe(true);
    });
  });

  describe('the plugins of the HTTP path apply', () => {
    it('a document over MAX_DOCUMENT_BYTES is refused before it is parsed (an error message, no http extension)', async () => {
      const ws = connect(stack);
      // Not even valid GraphQL: a parse would fail with a syntax error, not this one.
      const query = `{ call(sid: "${DONE_SID}") { sid } } }}} ${'#'.repeat(5000)}`;
      const operation = ws.operation(query);
      await operation.end();
      expect(operation.events).toEqual([
        {
          type: 'error',
          errors: [{ message: 'The query document is larger than 4096 bytes (MAX_DOCUMENT_BYTES).', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
        },
      ]);
      expect(stack.sim.stats.requests).toBe(0);
    });

    it('an operation over MAX_ALIASES is refused at validation; nothing runs', async () => {
      const ws = connect(stack);
      const operation = ws.operation(`{ a: call(sid: "${DONE_SID}") { sid } b: call(sid: "${DONE_SID}") { sid } c: call(sid: "${DONE_SID}") { sid } d: call(sid: "${DONE_SID}") { sid } }`);
      await operation.end();
      expect(operation.events).toEqual([{ type: 'error', errors: [expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })] }]);
      expect(stack.sim.stats.requests).toBe(0);
    });

    it('a syntax error is an error message', async () => {
      const ws = connect(stack);
      const operation = ws.operation('{ call(sid: ');
      await operation.end();
      expect(operation.events).toEqual([
        { type: 'error', errors: [expect.objectContaining({ message: expect.stringContaining('Syntax Error'), extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] },
      ]);
    });

    it('MAX_CALLS_PER_REQUEST counts per operation: one loader per operation, not per connection', async () => {
      const ws = connect(stack);
      const sids = Array.from({ length: 5 }, () => freshSid());
      for (const sid of sids) stack.sim.setCall(DEMO_PROJECT_ID, sid, completed(sid));
      // Two operations on one connection each see their own calls once.
      const first = await ws.query(CALLS_QUERY, { sids });
      const second = await ws.query(CALLS_QUERY, { sids });
      expect(first.errors).toBeUndefined();
      expect(second).toEqual(first);
      expect(stack.sim.stats.requests).toBe(10);
    });
  });

  describe('subscription caps shared with SSE', () => {
    it('SSE and WebSocket subscriptions of one key count together; the refused one gets an error message TOO_MANY_SUBSCRIPTIONS', async () => {
      const [a, b, c] = [freshSid(), freshSid(), freshSid()];
      for (const sid of [a, b, c]) stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
      const sse = await openSse<Watch>(stack.url, WATCH, { sid: a }, KEY);
      sses.push(sse as unknown as SseSubscription);
      expect((await sse.payload(0)).data?.callUpdates.status).toBe('RINGING');
      const ws = connect(stack);
      const second = ws.operation<Watch>(WATCH, { sid: b });
      expect((await second.payload(0)).data?.callUpdates.status).toBe('RINGING');
      expect((stack.server.stats().subscriptions.tenants.get(KEY_TENANT)?.open ?? 0)).toBe(2);

      const requestsBefore = stack.sim.stats.bySid.get(c) ?? 0;
      const refused = ws.operation<Watch>(WATCH, { sid: c });
      await refused.end();
      expect(refused.events).toEqual([
        {
          type: 'error',
          errors: [expect.objectContaining({ path: ['callUpdates'], extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' }, message: expect.stringContaining('MAX_SUBSCRIPTIONS_PER_CREDENTIAL') })],
        },
      ]);
      // A refused subscription costs no upstream request, and the others go on.
      expect(stack.sim.stats.bySid.get(c) ?? 0).toBe(requestsBefore);
      expect((stack.server.stats().subscriptions.tenants.get(KEY_TENANT)?.open ?? 0)).toBe(2);

      // The SSE one leaves: its slot is free for a WebSocket subscription.
      sse.close();
      await waitUntil(() => (stack.server.stats().subscriptions.tenants.get(KEY_TENANT)?.open ?? 0) === 1, 'the SSE slot was freed');
      const third = ws.operation<Watch>(WATCH, { sid: c });
      expect((await third.payload(0)).data?.callUpdates.status).toBe('RINGING');
    });
  });

  describe('leaving', () => {
    it('the client dropping the socket stops the poller and frees the slot', async () => {
      const sid = freshSid();
      stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
      const ws = connect(stack);
      const watch = ws.operation<Watch>(WATCH, { sid });
      await watch.payload(0);
      await waitUntil(() => (stack.sim.stats.bySid.get(sid) ?? 0) >= 3, 'a few polls happened');
      expect(stack.server.stats().subscriptions.open).toBe(1);

      ws.drop();
      await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'the slot was freed');
      await waitUntil(() => stack.server.stats().webSocketConnections === 0, 'the server saw the socket close');
      const polled = stack.sim.stats.bySid.get(sid) ?? 0;
      // Several poll intervals later, nobody polled it again.
      const deadline = Date.now() + POLL_MS * 10;
      await waitUntil(() => Date.now() > deadline, 'ten poll intervals went by');
      expect(stack.sim.stats.bySid.get(sid) ?? 0).toBeLessThanOrEqual(polled + 1);
    });

    it('the client completing a subscription stops its poller and frees its slot; the connection stays usable', async () => {
      const sid = freshSid();
      stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
      const ws = connect(stack);
      const watch = ws.operation<Watch>(WATCH, { sid });
      await watch.payload(0);
      watch.cancel();
      await waitUntil(() => stack.server.stats().subscriptions.open === 0, 'the slot was freed');
      const polled = stack.sim.stats.bySid.get(sid) ?? 0;
      const deadline = Date.now() + POLL_MS * 10;
      await waitUntil(() => Date.now() > deadline, 'ten poll intervals went by');
      expect(stack.sim.stats.bySid.get(sid) ?? 0).toBeLessThanOrEqual(polled + 1);
      expect((await ws.query(CALL_QUERY, { sid: DONE_SID })).errors).toBeUndefined();
    });

    it('the client completing a query still running drops the upstream request it waited for', async () => {
      const sid = freshSid();
      stack.sim.setCall(DEMO_PROJECT_ID, sid, completed(sid));
      stack.sim.injectFault(sid, { type: 'hang' });
      const ws = connect(stack);
      const query = ws.operation(CALL_QUERY, { sid });
      await waitUntil(() => stack.server.stats().fetch.coalescing.inFlight === 1, 'the upstream request is in flight');
      query.cancel();
      await waitUntil(() => stack.server.stats().fetch.coalescing.inFlight === 0, 'the upstream request nobody waits for was dropped');
      // (The client completes its own sink when it cancels; the server sent nothing.)
      expect(query.nextEvents()).toEqual([]);
    });
  });
});

describe('the service key', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { talkstackApiKey: DEMO_API_KEY } });
    stack.sim.setCall(DEMO_PROJECT_ID, DONE_SID, completed(DONE_SID));
  });
  afterAll(async () => {
    await closeAll(stack);
    await stack.close();
  });

  it('is used when neither connection_init nor the upgrade carries a credential', async () => {
    const ws = connect(stack, {});
    expect((await ws.query(CALL_QUERY, { sid: DONE_SID })).errors).toBeUndefined();
    expect(stack.sim.requestLog.map(({ apiKey, authorization }) => ({ apiKey, authorization }))).toEqual([{ apiKey: DEMO_API_KEY, authorization: undefined }]);
  });
});

describe('stopping', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack({ config: { callPollIntervalMs: POLL_MS } });
  });
  afterEach(async () => {
    await stack.close();
    opened.splice(0);
  });

  it('drain() completes the subscriptions, then closes each socket with 1001; new upgrades get 503; close() ends the rest', async () => {
    const sid = freshSid();
    stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const watching = connect(stack);
    const watch = watching.operation<Watch>(WATCH, { sid });
    await watch.payload(0);
    const idle = connect(stack);
    await idle.waitConnected();

    stack.server.drain();
    await watch.end();
    expect(watch.events.map((event) => event.type)).toEqual(['next', 'complete']);
    expect(await watching.waitClosed()).toMatchObject({ code: 1001 });
    expect(await idle.waitClosed()).toMatchObject({ code: 1001 });
    await waitUntil(() => stack.server.stats().webSocketConnections === 0, 'the server saw both sockets close');
    expect(stack.server.stats().subscriptions.open).toBe(0);
    expect(await upgradeStatus(wsUrlOf(stack.url), 'graphql-transport-ws')).toBe(503);

    const polled = stack.sim.stats.bySid.get(sid) ?? 0;
    await stack.close();
    expect(stack.sim.stats.bySid.get(sid) ?? 0).toBeLessThanOrEqual(polled + 1);
  });

  it('close() ends every connection at once, a running subscription included, and resolves', async () => {
    const sid = freshSid();
    stack.sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const ws = connect(stack);
    const watch = ws.operation<Watch>(WATCH, { sid });
    await watch.payload(0);
    const started = Date.now();
    await stack.server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await ws.waitClosed();
    await waitUntil(() => stack.server.stats().webSocketConnections === 0, 'the server saw the socket close');
    expect(stack.server.stats().subscriptions.open).toBe(0);
  });
});

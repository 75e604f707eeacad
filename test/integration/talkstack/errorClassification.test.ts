/**
 * The Talkstack client's classification of every upstream outcome into the contract's error
 * table (talkstack/client.ts, retryPolicy.ts), per field, over real HTTP: the code the server
 * answers for a 404, 400, 401, 403, 429, 5xx, a reset, a 200 that is not a call, a status
 * outside the table (with or without a call in its body) and a timeout; how many requests it
 * sent upstream (retries, Retry-After, backoff); that the last try decides; that errors stay
 * per field; and that no failure ever shows a credential.
 *
 * Upstream requests are counted at the simulator per sid (`stats.bySid`, `requestLog`), and
 * every test uses sids of its own, so the tests of each group run concurrently.
 * (Arguments refused before any upstream request: test/integration/calls/
 * sidAndDefaultProject.test.ts and callAddress.test.ts; the cap on calls per operation:
 * test/integration/fetch/callLoader.test.ts; what credential is sent, and requests without one:
 * test/integration/identity/credentials.test.ts; the client on its own:
 * test/unit/talkstack/client.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { codesOf, startStack, type GraphQLResponse, type Stack } from '../../support/stack.js';

interface CallView {
  sid: string;
  status: string;
  upstreamStatus: string;
  durationSeconds: number | null;
}
type CallData = { call: CallView | null };
type CallsData = { calls: (CallView | null)[] };

const FIELDS = 'sid status upstreamStatus durationSeconds';
const CALL = `query Call($sid: ID!, $projectId: ID) { call(sid: $sid, projectId: $projectId) { ${FIELDS} } }`;
const CALLS = `query Calls($sids: [ID!]!, $projectId: ID) { calls(sids: $sids, projectId: $projectId) { ${FIELDS} } }`;

const RETRIES = 2;
const TRIES = 1 + RETRIES;
/** a call refused with 429 on every try is sent this often in all (contract: "Retries") */
const SENDS_ON_429 = 3 + RETRIES;

let counter = 0;
/** A fresh, well-formed sid per use, so counts and any cross-operation cache never mix tests. */
const newSid = (label: string) => `CAerr${label}${++counter}`;

const requestsFor = (stack: Stack, sid: string) => stack.sim.stats.bySid.get(sid) ?? 0;
const logFor = (stack: Stack, sid: string) => stack.sim.requestLog.filter((entry) => entry.sid === sid);

/** Stores a finished call in the demo account's demo project and returns its sid. */
function knownCall(stack: Stack, label: string, body: Record<string, unknown> = { status: 'completed', seconds: 10, cost: 0.1 }): string {
  const sid = newSid(label);
  stack.sim.setCall(DEMO_PROJECT_ID, sid, body);
  return sid;
}

/** The response is a normal GraphQL answer (HTTP 200 with `data`) carrying exactly one error. */
function expectOneError(response: GraphQLResponse<unknown>, code: string, path: (string | number)[]): void {
  expect(response.status).toBe(200);
  expect(response.body).toHaveProperty('data');
  expect(codesOf(response)).toEqual([code]);
  expect(response.body.errors?.[0]?.path).toEqual(path);
  expect(response.body.errors?.[0]?.message).toEqual(expect.any(String));
}

/** `call(sid)` failing with `code`: null field, one error at ['call'], HTTP 200. */
function expectCallError(response: GraphQLResponse<CallData>, code: string): void {
  expectOneError(response, code, ['call']);
  expect(response.body.data).toEqual({ call: null });
}

function expectNoErrors(response: GraphQLResponse<unknown>): void {
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
}

describe.concurrent('upstream errors, per code', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ config: { upstreamRetries: RETRIES } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  // Each lookup as a tenant of its own: one test's 429s and failures never pause the demo key or
  // open its breaker for the tests running beside it.
  const call = (sid: string, projectId?: string, headers?: Record<string, string>) =>
    stack.gql<CallData>(CALL, projectId === undefined ? { sid } : { sid, projectId }, headers ?? stack.tenant());

  describe('unknown call', () => {
    it('upstream 404 → null without error, one request', async () => {
      const sid = newSid('unknown');
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data).toEqual({ call: null });
      expect(requestsFor(stack, sid)).toBe(1);
    });

    it('a known call resolves (sanity check of the harness)', async () => {
      const sid = knownCall(stack, 'ok');
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data?.call).toEqual({ sid, status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 10 });
      expect(requestsFor(stack, sid)).toBe(1);
    });
  });

  describe('BAD_USER_INPUT', () => {
    it('upstream 400 → BAD_USER_INPUT after exactly one request (not retried)', async () => {
      const sid = knownCall(stack, 's400');
      stack.sim.injectFault(sid, { type: 'status', status: 400 });
      const response = await call(sid);
      expectCallError(response, 'BAD_USER_INPUT');
      expect(requestsFor(stack, sid)).toBe(1);
    });

    it('upstream 400 with a string status in its body is still BAD_USER_INPUT (400 is in the table)', async () => {
      const sid = knownCall(stack, 's400status');
      stack.sim.injectFault(sid, { type: 'status', status: 400, body: { status: 'busy' } });
      const response = await call(sid);
      expectCallError(response, 'BAD_USER_INPUT');
      expect(requestsFor(stack, sid)).toBe(1);
    });
  });

  describe('UNAUTHENTICATED and FORBIDDEN', () => {
    it('upstream 401 fault → UNAUTHENTICATED, not retried', async () => {
      const sid = knownCall(stack, 's401fault');
      stack.sim.injectFault(sid, { type: 'status', status: 401 });
      const response = await call(sid);
      expectCallError(response, 'UNAUTHENTICATED');
      expect(requestsFor(stack, sid)).toBe(1);
    });

    it('upstream 403 → FORBIDDEN after one request', async () => {
      const sid = knownCall(stack, 's403');
      stack.sim.injectFault(sid, { type: 'status', status: 403 });
      const response = await call(sid);
      expectCallError(response, 'FORBIDDEN');
      expect(requestsFor(stack, sid)).toBe(1);
    });

    it('upstream 403 with a string status in its body is still FORBIDDEN', async () => {
      const sid = knownCall(stack, 's403status');
      stack.sim.injectFault(sid, { type: 'status', status: 403, body: { status: 'completed' } });
      const response = await call(sid);
      expectCallError(response, 'FORBIDDEN');
      expect(requestsFor(stack, sid)).toBe(1);
    });
  });

  describe('RATE_LIMITED', () => {
    it('429 on every try (Retry-After: 0) → RATE_LIMITED after 3 + UPSTREAM_RETRIES requests, with extensions.retryAfterMs', async () => {
      const sid = knownCall(stack, 's429');
      stack.sim.injectFault(sid, { type: 'status', status: 429, headers: { 'retry-after': '0' } });
      const response = await call(sid);
      expectCallError(response, 'RATE_LIMITED');
      expect(response.body.errors?.[0]?.extensions?.['retryAfterMs']).toEqual(expect.any(Number));
      expect(requestsFor(stack, sid)).toBe(SENDS_ON_429);
    });

    it('a 429 without Retry-After pauses the tenant 1 s; the call keeps its place and spends no retry', async () => {
      const sid = knownCall(stack, 's429noHeader');
      stack.sim.injectFault(sid, { type: 'status', status: 429, times: 1 });
      stack.sim.injectFault(sid, { type: 'status', status: 503, times: RETRIES });
      const response = await call(sid);
      // one 429, then every retry still there for the 503s: the call resolves
      expectNoErrors(response);
      const log = logFor(stack, sid);
      expect(log).toHaveLength(2 + RETRIES);
      expect((log[1]?.at ?? 0) - (log[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    });

    it('a one-off 429 is retried and the call resolves', async () => {
      const sid = knownCall(stack, 's429once');
      stack.sim.injectFault(sid, { type: 'status', status: 429, headers: { 'retry-after': '0' }, times: 1 });
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED' });
      expect(requestsFor(stack, sid)).toBe(2);
    });

    it('honours a Retry-After (0.3 s, longer than the first backoff) before retrying', async () => {
      const sid = knownCall(stack, 's429after');
      stack.sim.injectFault(sid, { type: 'status', status: 429, headers: { 'retry-after': '0.3' }, times: 1 });
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED' });
      const log = logFor(stack, sid);
      expect(log).toHaveLength(2);
      expect((log[1]?.at ?? 0) - (log[0]?.at ?? 0)).toBeGreaterThanOrEqual(290);
    });

    it('treats an unparsable Retry-After as not sent (and a reset without remaining: 0 as no pause)', async () => {
      const sid = knownCall(stack, 's429soon');
      stack.sim.injectFault(sid, {
        type: 'status',
        status: 429,
        headers: { 'retry-after': 'soon', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60) },
        times: 1,
      });
      const response = await call(sid);
      expectNoErrors(response);
      const log = logFor(stack, sid);
      expect(log).toHaveLength(2);
      // the pause of a 429 without a usable Retry-After: 1 s, not the reset a minute away
      const gap = (log[1]?.at ?? 0) - (log[0]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(990);
      expect(gap).toBeLessThan(2000);
    });

    it('429 with a string status in its body is not the call (429 is in the table)', async () => {
      const sid = knownCall(stack, 's429status');
      stack.sim.injectFault(sid, { type: 'status', status: 429, headers: { 'retry-after': '0' }, body: { status: 'busy' } });
      const response = await call(sid);
      expectCallError(response, 'RATE_LIMITED');
      expect(requestsFor(stack, sid)).toBe(SENDS_ON_429);
    });
  });

  describe('UPSTREAM_ERROR', () => {
    it('500 on every try → UPSTREAM_ERROR after 1 + UPSTREAM_RETRIES requests', async () => {
      const sid = knownCall(stack, 's500');
      stack.sim.injectFault(sid, { type: 'status', status: 500 });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_ERROR');
      expect(requestsFor(stack, sid)).toBe(TRIES);
    });

    it.each([502, 503, 504, 599])('%i on every try → UPSTREAM_ERROR after 1 + UPSTREAM_RETRIES requests', async (status) => {
      const sid = knownCall(stack, `s${status}`);
      stack.sim.injectFault(sid, { type: 'status', status });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_ERROR');
      expect(requestsFor(stack, sid)).toBe(TRIES);
    });

    it('a one-off 503 is retried and the call resolves with 2 requests', async () => {
      const sid = knownCall(stack, 's503once');
      stack.sim.injectFault(sid, { type: 'status', status: 503, times: 1 });
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data?.call).toEqual({ sid, status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 10 });
      expect(requestsFor(stack, sid)).toBe(2);
    });

    it('honours a Retry-After (0.3 s) on a 503 too', async () => {
      const sid = knownCall(stack, 's503after');
      stack.sim.injectFault(sid, { type: 'status', status: 503, headers: { 'retry-after': '0.3' }, times: 1 });
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED' });
      const log = logFor(stack, sid);
      expect(log).toHaveLength(2);
      expect((log[1]?.at ?? 0) - (log[0]?.at ?? 0)).toBeGreaterThanOrEqual(290);
    });

    it('5xx with a string status in its body is not the call (5xx is in the table)', async () => {
      const sid = knownCall(stack, 's500status');
      stack.sim.injectFault(sid, { type: 'status', status: 500, body: { status: 'completed' } });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_ERROR');
      expect(requestsFor(stack, sid)).toBe(TRIES);
    });

    it('connection reset on every try → UPSTREAM_ERROR after 1 + UPSTREAM_RETRIES requests', async () => {
      const sid = knownCall(stack, 'reset');
      stack.sim.injectFault(sid, { type: 'reset' });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_ERROR');
      expect(requestsFor(stack, sid)).toBe(TRIES);
    });

    it('a one-off connection reset is retried and the call resolves', async () => {
      const sid = knownCall(stack, 'resetOnce');
      stack.sim.injectFault(sid, { type: 'reset', times: 1 });
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED' });
      expect(requestsFor(stack, sid)).toBe(2);
    });

    it('a non-2xx outside the table without a string status (418) → UPSTREAM_ERROR, not retried', async () => {
      const sid = knownCall(stack, 's418');
      stack.sim.injectFault(sid, { type: 'status', status: 418 });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_ERROR');
      expect(requestsFor(stack, sid)).toBe(1);
    });

    it('a non-2xx outside the table whose body is not JSON → UPSTREAM_ERROR', async () => {
      const sid = knownCall(stack, 's409raw');
      stack.sim.injectFault(sid, { type: 'raw', status: 409, body: 'conflict', contentType: 'text/plain' });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_ERROR');
      expect(requestsFor(stack, sid)).toBe(1);
    });
  });

  describe('UPSTREAM_BAD_RESPONSE', () => {
    const bodies: [string, string][] = [
      ['non-JSON text', 'this is not json'],
      ['an array', '[]'],
      ['a JSON string', '"str"'],
      ['a number', '42'],
      ['null', 'null'],
      ['an empty object', '{}'],
      ['a numeric status', '{"status":5}'],
      ['a null status', '{"status":null,"seconds":3}'],
      ['an empty body', ''],
    ];

    it.each(bodies)('a 200 whose body is %s → UPSTREAM_BAD_RESPONSE after one request', async (_label, body) => {
      const sid = knownCall(stack, 'bad');
      stack.sim.injectFault(sid, { type: 'raw', body });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_BAD_RESPONSE');
      expect(requestsFor(stack, sid)).toBe(1);
    });

    it('a 204 (no body) → UPSTREAM_BAD_RESPONSE after one request', async () => {
      const sid = knownCall(stack, 'bad204');
      stack.sim.injectFault(sid, { type: 'raw', status: 204, body: '' });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_BAD_RESPONSE');
      expect(requestsFor(stack, sid)).toBe(1);
    });

  });

  describe('a status in a non-2xx body outside the table', () => {
    it.each([409, 422])('%i with { status: "busy" } → the call, status BUSY, no error, not retried', async (status) => {
      const sid = knownCall(stack, `status${status}`);
      stack.sim.injectFault(sid, { type: 'status', status, body: { status: 'busy', seconds: 4 } });
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data?.call).toEqual({ sid, status: 'BUSY', upstreamStatus: 'busy', durationSeconds: 4 });
      expect(requestsFor(stack, sid)).toBe(1);
    });
  });

  describe('after retries, the last try decides', () => {
    it('500 first, then 429 on every try → RATE_LIMITED, after 3 + UPSTREAM_RETRIES sends in all', async () => {
      const sid = knownCall(stack, 'last429');
      stack.sim.injectFault(sid, { type: 'status', status: 500, times: 1 });
      stack.sim.injectFault(sid, { type: 'status', status: 429, headers: { 'retry-after': '0' } });
      const response = await call(sid);
      expectCallError(response, 'RATE_LIMITED');
      expect(requestsFor(stack, sid)).toBe(SENDS_ON_429);
    });

    it('429 first, then 500 on every try → UPSTREAM_ERROR (the 429 spent no retry)', async () => {
      const sid = knownCall(stack, 'last500');
      stack.sim.injectFault(sid, { type: 'status', status: 429, headers: { 'retry-after': '0' }, times: 1 });
      stack.sim.injectFault(sid, { type: 'status', status: 500 });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_ERROR');
      expect(requestsFor(stack, sid)).toBe(1 + TRIES);
    });

    it('a 503 then a 404 → null without error', async () => {
      const sid = newSid('last404');
      stack.sim.injectFault(sid, { type: 'status', status: 503, times: 1 });
      const response = await call(sid);
      expectNoErrors(response);
      expect(response.body.data).toEqual({ call: null });
      expect(requestsFor(stack, sid)).toBe(2);
    });

    it('a 503 then a 403 → FORBIDDEN, no further try', async () => {
      const sid = knownCall(stack, 'last403');
      stack.sim.injectFault(sid, { type: 'status', status: 503, times: 1 });
      stack.sim.injectFault(sid, { type: 'status', status: 403 });
      const response = await call(sid);
      expectCallError(response, 'FORBIDDEN');
      expect(requestsFor(stack, sid)).toBe(2);
    });

    it('a reset then a non-call 200 → UPSTREAM_BAD_RESPONSE', async () => {
      const sid = knownCall(stack, 'lastBad');
      stack.sim.injectFault(sid, { type: 'reset', times: 1 });
      stack.sim.injectFault(sid, { type: 'raw', body: '[]' });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_BAD_RESPONSE');
      expect(requestsFor(stack, sid)).toBe(2);
    });
  });

  describe('errors are per field', () => {
    it('aliases: a resolves, b has UPSTREAM_ERROR at [b], c is null without error', async () => {
      const good = knownCall(stack, 'fieldGood');
      const failing = knownCall(stack, 'field500');
      const unknown = newSid('field404');
      stack.sim.injectFault(failing, { type: 'status', status: 500 });
      const response = await stack.gql<{ a: CallView | null; b: CallView | null; c: CallView | null }>(
        `query($a: ID!, $b: ID!, $c: ID!) {
          a: call(sid: $a) { ${FIELDS} }
          b: call(sid: $b) { ${FIELDS} }
          c: call(sid: $c) { ${FIELDS} }
        }`,
        { a: good, b: failing, c: unknown },
      );
      expectOneError(response, 'UPSTREAM_ERROR', ['b']);
      expect(response.body.data).toEqual({
        a: { sid: good, status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 10 },
        b: null,
        c: null,
      });
      expect(requestsFor(stack, good)).toBe(1);
      expect(requestsFor(stack, failing)).toBe(TRIES);
      expect(requestsFor(stack, unknown)).toBe(1);
    });

    it('calls: each failing entry has its own code at [calls, i]; the others resolve', async () => {
      const good = knownCall(stack, 'listGood');
      const forbidden = knownCall(stack, 'list403');
      const bad = knownCall(stack, 'listBad');
      const limited = knownCall(stack, 'list429');
      const unknown = newSid('list404');
      stack.sim.injectFault(forbidden, { type: 'status', status: 403 });
      stack.sim.injectFault(bad, { type: 'raw', body: '{}' });
      stack.sim.injectFault(limited, { type: 'status', status: 429, headers: { 'retry-after': '0' } });
      const response = await stack.gql<CallsData>(CALLS, { sids: [forbidden, good, bad, unknown, limited, good] });
      expect(response.status).toBe(200);
      expect(response.body.data?.calls).toEqual([
        null,
        { sid: good, status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 10 },
        null,
        null,
        null,
        { sid: good, status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 10 },
      ]);
      const errors = (response.body.errors ?? []).map((e) => ({ code: e.extensions?.code, path: e.path }));
      expect(errors).toHaveLength(3);
      expect(errors).toEqual(
        expect.arrayContaining([
          { code: 'FORBIDDEN', path: ['calls', 0] },
          { code: 'UPSTREAM_BAD_RESPONSE', path: ['calls', 2] },
          { code: 'RATE_LIMITED', path: ['calls', 4] },
        ]),
      );
      expect(requestsFor(stack, good)).toBe(1);
    });
  });

  describe('HTTP status and credential secrecy', () => {
    const SENTINEL_KEY = 'SENTINEL-KEY-5f0c2e9a71b4';
    const SENTINEL_TOKEN = 'SENTINEL-TOKEN-b83d41e6c07a';
    const UNKNOWN_SENTINEL_KEY = 'SENTINEL-UNKNOWN-KEY-2a9e';
    const SENTINEL_ACCOUNT = 'sentinel';

    beforeAll(() => {
      stack.sim.addAccount(SENTINEL_ACCOUNT, { apiKeys: [SENTINEL_KEY], bearerTokens: [SENTINEL_TOKEN] });
    });

    /** A fresh sid stored in the sentinel account, with `fault` applied to it. */
    function sentinelCall(label: string, fault?: Parameters<Stack['sim']['injectFault']>[1]): string {
      const sid = newSid(label);
      stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 5, cost: 0.2 }, SENTINEL_ACCOUNT);
      if (fault) stack.sim.injectFault(sid, fault);
      return sid;
    }

    function expectNoSecret(response: GraphQLResponse<unknown>): void {
      const text = JSON.stringify(response.body);
      for (const secret of [SENTINEL_KEY, SENTINEL_TOKEN, UNKNOWN_SENTINEL_KEY, 'SENTINEL']) {
        expect(text).not.toContain(secret);
        for (const [name, value] of response.headers) {
          expect(`${name}: ${value}`).not.toContain(secret);
        }
      }
    }

    const cases: [string, string | null, Parameters<Stack['sim']['injectFault']>[1] | undefined][] = [
      ['400', 'BAD_USER_INPUT', { type: 'status', status: 400 }],
      ['403', 'FORBIDDEN', { type: 'status', status: 403 }],
      ['429', 'RATE_LIMITED', { type: 'status', status: 429, headers: { 'retry-after': '0' } }],
      ['500', 'UPSTREAM_ERROR', { type: 'status', status: 500 }],
      ['reset', 'UPSTREAM_ERROR', { type: 'reset' }],
      ['418', 'UPSTREAM_ERROR', { type: 'status', status: 418 }],
      ['bad 200', 'UPSTREAM_BAD_RESPONSE', { type: 'raw', body: '{"status":5}' }],
      ['404', null, { type: 'status', status: 404 }],
      ['ok', null, undefined],
    ];

    it.each(cases)('upstream %s with the sentinel key: code %s, HTTP 200 with data, no credential anywhere in the response', async (label, code, fault) => {
      const sid = sentinelCall(`secret${label.replace(/\W/g, '')}`, fault);
      // A key and token of their own per case: the 429 case paces its tenant, the others must not wait for it.
      const own = label.replace(/\W/g, '');
      stack.sim.addCredentials(SENTINEL_ACCOUNT, { apiKeys: [`${SENTINEL_KEY}-${own}`], bearerTokens: [`${SENTINEL_TOKEN}-${own}`] });
      const credentials: Record<string, string>[] = [{ 'x-api-key': `${SENTINEL_KEY}-${own}` }, { authorization: `Bearer ${SENTINEL_TOKEN}-${own}` }];
      for (const headers of credentials) {
        const response = await call(sid, undefined, headers);
        expect(response.status).toBe(200);
        expect(response.body).toHaveProperty('data');
        expect(codesOf(response)).toEqual(code === null ? [] : [code]);
        expectNoSecret(response);
      }
    });

    it('an unknown sentinel key (upstream 401): UNAUTHENTICATED, the key appears nowhere in the response', async () => {
      const sid = sentinelCall('secret401');
      const response = await call(sid, undefined, { 'x-api-key': UNKNOWN_SENTINEL_KEY });
      expectCallError(response, 'UNAUTHENTICATED');
      expectNoSecret(response);
    });

    it('a failing `calls` list with the sentinel key stays HTTP 200 with data and never shows the key', async () => {
      const failing = sentinelCall('secretList500', { type: 'status', status: 503 });
      const reset = sentinelCall('secretListReset', { type: 'reset' });
      const good = sentinelCall('secretListOk');
      const response = await stack.gql<CallsData>(CALLS, { sids: [failing, 'bad sid', reset, good] }, { 'x-api-key': SENTINEL_KEY });
      expect(response.status).toBe(200);
      expect(response.body.data?.calls).toHaveLength(4);
      expect(response.body.data?.calls?.[3]).toMatchObject({ sid: good, status: 'COMPLETED' });
      expect(codesOf(response).sort()).toEqual(['BAD_USER_INPUT', 'UPSTREAM_ERROR', 'UPSTREAM_ERROR']);
      expectNoSecret(response);
    });

    it('the demo key never appears in a failing response either', async () => {
      const sid = knownCall(stack, 'secretDemo');
      stack.sim.injectFault(sid, { type: 'status', status: 502 });
      const response = await call(sid);
      expectCallError(response, 'UPSTREAM_ERROR');
      expect(JSON.stringify(response.body)).not.toContain(DEMO_API_KEY);
    });
  });
});

describe.concurrent('UPSTREAM_TIMEOUT', () => {
  const TIMEOUT_MS = 200;
  const TIMEOUT_RETRIES = 1;
  const FIRST_BACKOFF_MS = 100;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ config: { upstreamTimeoutMs: TIMEOUT_MS, upstreamRetries: TIMEOUT_RETRIES } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const call = (sid: string) => stack.gql<CallData>(CALL, { sid });

  it('an upstream that never answers → UPSTREAM_TIMEOUT after 1 + retries requests, in bounded time', async () => {
    const sid = knownCall(stack, 'hang');
    stack.sim.injectFault(sid, { type: 'hang' });
    const started = performance.now();
    const response = await call(sid);
    const elapsed = performance.now() - started;
    expectCallError(response, 'UPSTREAM_TIMEOUT');
    expect(requestsFor(stack, sid)).toBe(1 + TIMEOUT_RETRIES);
    // Each try is really bounded by the timeout (not by a longer default).
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS * (1 + TIMEOUT_RETRIES));
    expect(elapsed).toBeLessThan(TIMEOUT_MS * (1 + TIMEOUT_RETRIES) + FIRST_BACKOFF_MS + 1500);
  });

  it('an answer slower than the timeout on every try → UPSTREAM_TIMEOUT', async () => {
    const sid = knownCall(stack, 'slow');
    stack.sim.injectFault(sid, { type: 'delay', ms: TIMEOUT_MS * 3 });
    const response = await call(sid);
    expectCallError(response, 'UPSTREAM_TIMEOUT');
    expect(requestsFor(stack, sid)).toBe(1 + TIMEOUT_RETRIES);
  });

  it('an answer a little slower than usual but within the timeout resolves with one request', async () => {
    const sid = knownCall(stack, 'slowOk');
    stack.sim.injectFault(sid, { type: 'delay', ms: 30 });
    const response = await call(sid);
    expectNoErrors(response);
    expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED' });
    expect(requestsFor(stack, sid)).toBe(1);
  });

  it('a one-off hang is retried and the call resolves', async () => {
    const sid = knownCall(stack, 'hangOnce');
    stack.sim.injectFault(sid, { type: 'hang', times: 1 });
    const response = await call(sid);
    expectNoErrors(response);
    expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED' });
    expect(requestsFor(stack, sid)).toBe(2);
  });

  it('a hang then a 500 → UPSTREAM_ERROR (the last try decides)', async () => {
    const sid = knownCall(stack, 'hangThen500');
    stack.sim.injectFault(sid, { type: 'hang', times: 1 });
    stack.sim.injectFault(sid, { type: 'status', status: 500 });
    const response = await call(sid);
    expectCallError(response, 'UPSTREAM_ERROR');
    expect(requestsFor(stack, sid)).toBe(2);
  });

  it('a 500 then a hang → UPSTREAM_TIMEOUT (the last try decides)', async () => {
    const sid = knownCall(stack, '500ThenHang');
    stack.sim.injectFault(sid, { type: 'status', status: 500, times: 1 });
    stack.sim.injectFault(sid, { type: 'hang' });
    const response = await call(sid);
    expectCallError(response, 'UPSTREAM_TIMEOUT');
    expect(requestsFor(stack, sid)).toBe(2);
  });

  it('a hanging call does not hold up the other fields of the operation', async () => {
    const hanging = knownCall(stack, 'hangField');
    const good = knownCall(stack, 'hangFieldGood');
    stack.sim.injectFault(hanging, { type: 'hang' });
    const response = await stack.gql<CallsData>(CALLS, { sids: [good, hanging] });
    expect(response.status).toBe(200);
    expect(response.body.data?.calls?.[0]).toMatchObject({ sid: good, status: 'COMPLETED' });
    expect(response.body.data?.calls?.[1]).toBeNull();
    expect(codesOf(response)).toEqual(['UPSTREAM_TIMEOUT']);
    expect(response.body.errors?.[0]?.path).toEqual(['calls', 1]);
  });
});

/**
 * Credentials as upstream sees them (identity/credential.ts), observed in the simulator's request
 * log with headers as received: a request's own `x-api-key` and/or `Authorization` are forwarded
 * unchanged (retries too, and a key upstream rejects is UNAUTHENTICATED after one request), the
 * service key (TALKSTACK_API_KEY) only stands in when a request brings none, no credential at
 * all costs no upstream request, and each credential only ever sees its own account's data,
 * however requests interleave. (A credential's identities on their own:
 * test/unit/identity/credential.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { codesOf, startStack, type Stack } from '../../support/stack.js';

interface CallView {
  sid: string;
  projectId: string;
  status: string;
  durationSeconds: number | null;
}
type CallData = { call: CallView | null };

const CALL = `query Call($sid: ID!, $projectId: ID) { call(sid: $sid, projectId: $projectId) { sid projectId status durationSeconds } }`;

let counter = 0;
const newSid = (label: string) => `CAcred${label}${++counter}`;

const logFor = (stack: Stack, sid: string) => stack.sim.requestLog.filter((entry) => entry.sid === sid);

/** Stores a call in the demo account's demo project. */
function demoCall(stack: Stack, label: string, body: Record<string, unknown> = { status: 'completed', seconds: 7, cost: 0.3 }): string {
  const sid = newSid(label);
  stack.sim.setCall(DEMO_PROJECT_ID, sid, body);
  return sid;
}

describe('the request’s own credential is forwarded unchanged', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('x-api-key is forwarded as is, and nothing else is added', async () => {
    const sid = demoCall(stack, 'key');
    const response = await stack.gql<CallData>(CALL, { sid }, { 'x-api-key': DEMO_API_KEY });
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED', durationSeconds: 7 });
    const log = logFor(stack, sid);
    expect(log).toHaveLength(1);
    expect(log[0]?.apiKey).toBe(DEMO_API_KEY);
    expect(log[0]?.authorization).toBeUndefined();
    expect(log[0]?.projectId).toBe(DEMO_PROJECT_ID);
  });

  it('Authorization: Bearer is forwarded as is, and no x-api-key is added', async () => {
    const sid = demoCall(stack, 'bearer');
    const response = await stack.gql<CallData>(CALL, { sid }, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` });
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED' });
    const log = logFor(stack, sid);
    expect(log).toHaveLength(1);
    expect(log[0]?.authorization).toBe(`Bearer ${DEMO_BEARER_TOKEN}`);
    expect(log[0]?.apiKey).toBeUndefined();
  });

  it('both headers together are both forwarded unchanged (scheme casing and inner spacing kept)', async () => {
    const sid = demoCall(stack, 'both');
    const authorization = `bEaReR   ${DEMO_BEARER_TOKEN}`;
    const response = await stack.gql<CallData>(CALL, { sid }, { 'x-api-key': DEMO_API_KEY, authorization });
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data?.call).toMatchObject({ sid });
    const log = logFor(stack, sid);
    expect(log).toHaveLength(1);
    expect(log[0]?.apiKey).toBe(DEMO_API_KEY);
    expect(log[0]?.authorization).toBe(authorization);
  });

  it('a key that upstream rejects is still forwarded as is: upstream 401, UNAUTHENTICATED after one request', async () => {
    const sid = demoCall(stack, 'rejected');
    const response = await stack.gql<CallData>(CALL, { sid }, { 'x-api-key': 'not-a-key-of-anyone' });
    expect(response.status).toBe(200);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors?.[0]?.path).toEqual(['call']);
    expect(response.body.data).toEqual({ call: null });
    expect(logFor(stack, sid).map((entry) => [entry.apiKey, entry.authorization, entry.status])).toEqual([['not-a-key-of-anyone', undefined, 401]]);
  });

  it('retries carry the same credential', async () => {
    const sid = demoCall(stack, 'retry');
    stack.sim.injectFault(sid, { type: 'status', status: 503, times: 1 });
    const response = await stack.gql<CallData>(CALL, { sid }, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` });
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data?.call).toMatchObject({ sid });
    const log = logFor(stack, sid);
    expect(log).toHaveLength(2);
    for (const entry of log) {
      expect(entry.authorization).toBe(`Bearer ${DEMO_BEARER_TOKEN}`);
      expect(entry.apiKey).toBeUndefined();
    }
  });
});

describe('service key (TALKSTACK_API_KEY)', () => {
  const SERVICE_KEY = 'service-key';
  const SERVICE_ACCOUNT = 'service';
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ config: { talkstackApiKey: SERVICE_KEY } });
    stack.sim.addAccount(SERVICE_ACCOUNT, { apiKeys: [SERVICE_KEY] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The same sid in both accounts, with different data, so the answer tells whose key was used. */
  function sharedCall(label: string): string {
    const sid = newSid(label);
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 1, cost: 0.1 });
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'voicemail', seconds: 2, cost: 0.2 }, SERVICE_ACCOUNT);
    return sid;
  }

  it('a request without credential headers uses the service key as x-api-key', async () => {
    const sid = sharedCall('svc');
    const response = await stack.gql<CallData>(CALL, { sid }, {});
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data?.call).toMatchObject({ sid, status: 'VOICEMAIL', durationSeconds: 2 });
    const log = logFor(stack, sid);
    expect(log).toHaveLength(1);
    expect(log[0]?.apiKey).toBe(SERVICE_KEY);
    expect(log[0]?.authorization).toBeUndefined();
  });

  it('a request with its own x-api-key uses it; the service key is not sent', async () => {
    const sid = sharedCall('own');
    const response = await stack.gql<CallData>(CALL, { sid }, { 'x-api-key': DEMO_API_KEY });
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED', durationSeconds: 1 });
    const log = logFor(stack, sid);
    expect(log).toHaveLength(1);
    expect(log[0]?.apiKey).toBe(DEMO_API_KEY);
    expect(log[0]?.authorization).toBeUndefined();
  });

  it('a request with only its own Authorization uses it; the service key is not added', async () => {
    const sid = sharedCall('ownBearer');
    const response = await stack.gql<CallData>(CALL, { sid }, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` });
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED', durationSeconds: 1 });
    const log = logFor(stack, sid);
    expect(log).toHaveLength(1);
    expect(log[0]?.authorization).toBe(`Bearer ${DEMO_BEARER_TOKEN}`);
    expect(log[0]?.apiKey).toBeUndefined();
  });

  it('a request whose own key upstream rejects gets UNAUTHENTICATED, not the service key’s data', async () => {
    const sid = sharedCall('ownRejected');
    const response = await stack.gql<CallData>(CALL, { sid }, { 'x-api-key': 'unknown-own-key' });
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.data).toEqual({ call: null });
    expect(logFor(stack, sid).map((entry) => entry.apiKey)).toEqual(['unknown-own-key']);
  });

  it('service-key data is not served to a request with its own credential, nor the reverse', async () => {
    const sid = sharedCall('svcIso');
    const first = await stack.gql<CallData>(CALL, { sid }, {});
    expect(first.body.data?.call).toMatchObject({ status: 'VOICEMAIL' });
    const second = await stack.gql<CallData>(CALL, { sid }, { 'x-api-key': DEMO_API_KEY });
    expect(second.body.data?.call).toMatchObject({ status: 'COMPLETED' });
    const third = await stack.gql<CallData>(CALL, { sid }, {});
    expect(third.body.data?.call).toMatchObject({ status: 'VOICEMAIL' });
    const keys = logFor(stack, sid).map((entry) => entry.apiKey);
    expect(keys.slice(0, 2)).toEqual([SERVICE_KEY, DEMO_API_KEY]);
    // The third may be served from a cache, but never with another credential.
    for (const key of keys.slice(2)) expect(key).toBe(SERVICE_KEY);
  });
});

describe('isolation between credentials', () => {
  const PROJECT = 'iso-project';
  const KEY_A = 'key-a';
  const KEY_B = 'key-b';
  const TOKEN_B = 'token-b';
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    stack.sim.addAccount('A', { apiKeys: [KEY_A] });
    stack.sim.addAccount('B', { apiKeys: [KEY_B], bearerTokens: [TOKEN_B] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The same projectId + sid in accounts A and B, with different bodies. */
  function sharedCall(label: string, a: Record<string, unknown>, b: Record<string, unknown>): string {
    const sid = newSid(label);
    stack.sim.setCall(PROJECT, sid, a, 'A');
    stack.sim.setCall(PROJECT, sid, b, 'B');
    return sid;
  }

  const A_FINAL = { status: 'completed', seconds: 11, cost: 0.11 };
  const B_FINAL = { status: 'busy', seconds: 22, cost: 0.22 };
  const A_LIVE = { status: 'in-progress', seconds: 33 };
  const B_LIVE = { status: 'ringing', seconds: 44 };

  type PairData = { final: CallView | null; live: CallView | null };
  const PAIR = `query($final: ID!, $live: ID!, $projectId: ID) {
    final: call(sid: $final, projectId: $projectId) { sid projectId status durationSeconds }
    live: call(sid: $live, projectId: $projectId) { sid projectId status durationSeconds }
  }`;

  it('each credential sees its own account’s call for the same projectId + sid', async () => {
    const sid = sharedCall('own', A_FINAL, B_FINAL);
    const a = await stack.gql<CallData>(CALL, { sid, projectId: PROJECT }, { 'x-api-key': KEY_A });
    const b = await stack.gql<CallData>(CALL, { sid, projectId: PROJECT }, { 'x-api-key': KEY_B });
    const demo = await stack.gql<CallData>(CALL, { sid, projectId: PROJECT }, { 'x-api-key': DEMO_API_KEY });
    expect(a.body.data?.call).toEqual({ sid, projectId: PROJECT, status: 'COMPLETED', durationSeconds: 11 });
    expect(b.body.data?.call).toEqual({ sid, projectId: PROJECT, status: 'BUSY', durationSeconds: 22 });
    expect(demo.body.data).toEqual({ call: null });
    expect(codesOf(a).concat(codesOf(b), codesOf(demo))).toEqual([]);
    // B and the demo account had never fetched it: each must have asked upstream with its own key.
    expect(logFor(stack, sid).map((entry) => entry.apiKey)).toEqual([KEY_A, KEY_B, DEMO_API_KEY]);
  });

  it('20 interleaved concurrent requests each see only their own account’s data', async () => {
    const final = sharedCall('concFinal', A_FINAL, B_FINAL);
    const live = sharedCall('concLive', A_LIVE, B_LIVE);
    const keys = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? KEY_A : KEY_B));
    const responses = await Promise.all(
      keys.map((key) => stack.gql<PairData>(PAIR, { final, live, projectId: PROJECT }, { 'x-api-key': key })),
    );
    responses.forEach((response, i) => {
      expect(codesOf(response)).toEqual([]);
      const isA = keys[i] === KEY_A;
      expect(response.body.data?.final).toEqual({
        sid: final,
        projectId: PROJECT,
        status: isA ? 'COMPLETED' : 'BUSY',
        durationSeconds: isA ? 11 : 22,
      });
      expect(response.body.data?.live).toEqual({
        sid: live,
        projectId: PROJECT,
        status: isA ? 'IN_PROGRESS' : 'RINGING',
        durationSeconds: isA ? 33 : 44,
      });
    });
    // Concurrent operations of one credential may share an in-flight request (coalescing),
    // never across credentials: each key fetched the live call itself, at most once per
    // operation, and every request carried exactly one of the two keys.
    const liveKeys = logFor(stack, live).map((entry) => entry.apiKey);
    expect(liveKeys.length).toBeLessThanOrEqual(20);
    expect(liveKeys.filter((key) => key === KEY_A).length).toBeGreaterThanOrEqual(1);
    expect(liveKeys.filter((key) => key === KEY_B).length).toBeGreaterThanOrEqual(1);
    expect(liveKeys.every((key) => key === KEY_A || key === KEY_B)).toBe(true);
    // The final call may be cached, but each key must have fetched it at least once itself.
    const finalKeys = new Set(logFor(stack, final).map((entry) => entry.apiKey));
    expect(finalKeys).toEqual(new Set([KEY_A, KEY_B]));
  });

  it('a Bearer token and an x-api-key of different accounts are separate identities', async () => {
    const sid = sharedCall('mixed', A_FINAL, B_FINAL);
    // Bearer B alone: B's data.
    const b = await stack.gql<CallData>(CALL, { sid, projectId: PROJECT }, { authorization: `Bearer ${TOKEN_B}` });
    expect(b.body.data?.call).toMatchObject({ status: 'BUSY', durationSeconds: 22 });
    // Bearer B plus key A is another identity: it must go upstream with both headers, not reuse B's data.
    const both = await stack.gql<CallData>(
      CALL,
      { sid, projectId: PROJECT },
      { authorization: `Bearer ${TOKEN_B}`, 'x-api-key': KEY_A },
    );
    expect(codesOf(both)).toEqual([]);
    // The simulator lets the api key decide when both are known.
    expect(both.body.data?.call).toMatchObject({ status: 'COMPLETED', durationSeconds: 11 });
    const log = logFor(stack, sid);
    expect(log.map((entry) => [entry.authorization, entry.apiKey])).toEqual([
      [`Bearer ${TOKEN_B}`, undefined],
      [`Bearer ${TOKEN_B}`, KEY_A],
    ]);
  });
});

describe('no credential at all', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ defaultHeaders: {} });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('no header and no service key → UNAUTHENTICATED with zero upstream requests', async () => {
    expect(stack.server.config.talkstackApiKey).toBeUndefined();
    const sid = demoCall(stack, 'none');
    stack.sim.resetStats();
    const single = await stack.gql<CallData>(CALL, { sid });
    expect(single.status).toBe(200);
    expect(codesOf(single)).toEqual(['UNAUTHENTICATED']);
    expect(single.body.errors?.[0]?.path).toEqual(['call']);
    expect(single.body.data).toEqual({ call: null });
    const aliases = await stack.gql<Record<string, unknown>>(
      `query($a: ID!, $b: ID!) { a: call(sid: $a) { sid } b: calls(sids: [$a, $b]) { sid } }`,
      { a: sid, b: newSid('none') },
    );
    expect(aliases.status).toBe(200);
    expect(codesOf(aliases).length).toBeGreaterThan(0);
    expect(new Set(codesOf(aliases))).toEqual(new Set(['UNAUTHENTICATED']));
    expect(stack.sim.stats.requests).toBe(0);
    expect(stack.sim.requestLog).toHaveLength(0);
  });
});

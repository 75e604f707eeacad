/**
 * The per-operation call loader (fetch/callLoader.ts) over real HTTP, counted at the simulator:
 * one upstream request per distinct call per operation, whatever mix of `call`, `calls` and
 * aliases asks for it, answered in input order (a sid in two projects is two calls); and
 * MAX_CALLS_PER_REQUEST: distinct calls past the cap, counted in the order asked, get
 * TOO_MANY_CALLS and cause no upstream request (duplicates, malformed sids do not count; unknown
 * calls do), per operation. (Per-key errors of a batch: test/integration/talkstack/
 * errorClassification.test.ts; sharing across operations: coalescing.test.ts, and the caches:
 * callStore.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CALLS, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { CallStatusesDocument } from '../../generated/operations.js';
import { startStack, type GraphQLResponse, type Stack } from '../../support/stack.js';

const demoSids = DEMO_CALLS.map((call) => call.sid);

interface CallView {
  sid: string;
  status: string;
  upstreamStatus: string;
  durationSeconds: number | null;
}
type CallsData = { calls: (CallView | null)[] };

const FIELDS = 'sid status upstreamStatus durationSeconds';
const CALLS = `query Calls($sids: [ID!]!, $projectId: ID) { calls(sids: $sids, projectId: $projectId) { ${FIELDS} } }`;

let counter = 0;
const newSid = (label: string) => `CAload${label}${++counter}`;
const requestsFor = (stack: Stack, sid: string) => stack.sim.stats.bySid.get(sid) ?? 0;

/** Stores a finished call in the demo account's demo project and returns its sid. */
function knownCall(stack: Stack, label: string): string {
  const sid = newSid(label);
  stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 10, cost: 0.1 });
  return sid;
}

describe('one upstream request per distinct call per operation', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Requests per operation are the point here: the cache of final calls is off (it has its own tests).
    stack = await startStack({ config: { cacheTtlSeconds: 0 } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sim.resetStats());

  it('40 sids with 25 distinct cost exactly 25 upstream requests, answered in input order', async () => {
    const distinct = demoSids.slice(0, 25);
    const sids = [...distinct, ...distinct.slice(0, 15).reverse()];
    expect(sids).toHaveLength(40);

    const response = await stack.gql(CallStatusesDocument, { sids });

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.calls.map((call) => call?.sid)).toEqual(sids);
    expect(stack.sim.stats.requests).toBe(25);
    expect([...stack.sim.stats.bySid.values()].every((count) => count === 1)).toBe(true);
  });

  it('aliases, call and calls asking for the same calls share one request per call', async () => {
    const [a, b, c] = demoSids;
    const response = await stack.gql(
      `query ($a: ID!, $b: ID!, $c: ID!) {
        first: call(sid: $a) { sid status }
        again: call(sid: $a) { durationSeconds }
        other: call(sid: $b, projectId: "${DEMO_PROJECT_ID}") { sid }
        page: calls(sids: [$a, $b, $c, $c]) { sid }
        page2: calls(sids: [$c]) { cost }
      }`,
      { a, b, c },
    );
    expect(response.body.errors).toBeUndefined();
    expect(stack.sim.stats.requests).toBe(3);
  });

  it('the same sid in two projects is two calls', async () => {
    stack.sim.setCall('other-project', 'CAsame', { status: 'busy' });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAsame', { status: 'voicemail' });
    const response = await stack.gql<{ x: { status: string }; y: { status: string } }>(
      `{ x: call(sid: "CAsame", projectId: "other-project") { status }
         y: call(sid: "CAsame") { status } }`,
    );
    expect(response.body.data).toEqual({ x: { status: 'BUSY' }, y: { status: 'VOICEMAIL' } });
    expect(stack.sim.stats.requests).toBe(2);
  });
});

describe('TOO_MANY_CALLS (MAX_CALLS_PER_REQUEST = 3)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ config: { maxCallsPerRequest: 3 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const sids = (label: string, n: number) => Array.from({ length: n }, () => knownCall(stack, label));
  const errorsOf = (response: GraphQLResponse<unknown>) =>
    (response.body.errors ?? []).map((e) => ({ code: e.extensions?.code, path: e.path }));

  it('5 distinct sids: the first 3 resolve, entries 3 and 4 get TOO_MANY_CALLS, 3 upstream requests', async () => {
    const five = sids('cap', 5);
    stack.sim.resetStats();
    const response = await stack.gql<CallsData>(CALLS, { sids: five });
    expect(response.status).toBe(200);
    const calls = response.body.data?.calls;
    expect(calls).toHaveLength(5);
    for (let i = 0; i < 3; i++) expect(calls?.[i]).toMatchObject({ sid: five[i], status: 'COMPLETED' });
    expect(calls?.[3]).toBeNull();
    expect(calls?.[4]).toBeNull();
    expect(errorsOf(response)).toEqual(
      expect.arrayContaining([
        { code: 'TOO_MANY_CALLS', path: ['calls', 3] },
        { code: 'TOO_MANY_CALLS', path: ['calls', 4] },
      ]),
    );
    expect(errorsOf(response)).toHaveLength(2);
    expect(stack.sim.stats.requests).toBe(3);
    expect(stack.sim.requestLog.map((entry) => entry.sid).sort()).toEqual(five.slice(0, 3).sort());
  });

  it('duplicates of an already-counted sid do not count', async () => {
    const [a, b, c, d] = sids('capDup', 4) as [string, string, string, string];
    stack.sim.resetStats();
    const response = await stack.gql<CallsData>(CALLS, { sids: [a, a, b, a, c, b, c, d] });
    expect(response.status).toBe(200);
    const calls = response.body.data?.calls ?? [];
    expect(calls.map((entry) => entry?.sid ?? null)).toEqual([a, a, b, a, c, b, c, null]);
    expect(errorsOf(response)).toEqual([{ code: 'TOO_MANY_CALLS', path: ['calls', 7] }]);
    expect(stack.sim.stats.requests).toBe(3);
  });

  it('malformed sids do not count toward the cap', async () => {
    const [a, b, c] = sids('capBad', 3) as [string, string, string];
    stack.sim.resetStats();
    const response = await stack.gql<CallsData>(CALLS, { sids: ['bad sid', a, '', b, 'x/y', c] });
    expect(response.status).toBe(200);
    const calls = response.body.data?.calls ?? [];
    expect(calls.map((entry) => entry?.sid ?? null)).toEqual([null, a, null, b, null, c]);
    const errors = errorsOf(response);
    expect(errors).toHaveLength(3);
    expect(errors).toEqual(
      expect.arrayContaining([
        { code: 'BAD_USER_INPUT', path: ['calls', 0] },
        { code: 'BAD_USER_INPUT', path: ['calls', 2] },
        { code: 'BAD_USER_INPUT', path: ['calls', 4] },
      ]),
    );
    expect(stack.sim.stats.requests).toBe(3);
  });

  it('unknown (404) calls count like any other', async () => {
    const unknown = [newSid('capUnknown'), newSid('capUnknown'), newSid('capUnknown')];
    const [known] = sids('capKnown', 1) as [string];
    stack.sim.resetStats();
    const response = await stack.gql<CallsData>(CALLS, { sids: [...unknown, known] });
    expect(response.body.data?.calls).toEqual([null, null, null, null]);
    expect(errorsOf(response)).toEqual([{ code: 'TOO_MANY_CALLS', path: ['calls', 3] }]);
    expect(stack.sim.stats.requests).toBe(3);
  });

  it('the cap spans call, aliases and calls of one operation', async () => {
    const [a, b, c, d] = sids('capMixed', 4) as [string, string, string, string];
    stack.sim.resetStats();
    const response = await stack.gql<{ x: CallView | null; y: CallView | null; z: (CallView | null)[] }>(
      `query($a: ID!, $b: ID!, $rest: [ID!]!) {
        x: call(sid: $a) { ${FIELDS} }
        y: call(sid: $b) { ${FIELDS} }
        z: calls(sids: $rest) { ${FIELDS} }
      }`,
      { a, b, rest: [a, c, d] },
    );
    expect(response.status).toBe(200);
    expect(response.body.data?.x).toMatchObject({ sid: a });
    expect(response.body.data?.y).toMatchObject({ sid: b });
    expect(response.body.data?.z.map((entry) => entry?.sid ?? null)).toEqual([a, c, null]);
    expect(errorsOf(response)).toEqual([{ code: 'TOO_MANY_CALLS', path: ['z', 2] }]);
    expect(stack.sim.stats.requests).toBe(3);
  });

  it('a call past the cap through `call` gets TOO_MANY_CALLS', async () => {
    const [a, b, c, d] = sids('capAlias', 4) as [string, string, string, string];
    stack.sim.resetStats();
    const response = await stack.gql<Record<string, CallView | null>>(
      `query($a: ID!, $b: ID!, $c: ID!, $d: ID!) {
        a: call(sid: $a) { sid }
        b: call(sid: $b) { sid }
        c: call(sid: $c) { sid }
        d: call(sid: $d) { sid }
      }`,
      { a, b, c, d },
    );
    expect(response.status).toBe(200);
    expect(errorsOf(response)).toEqual([{ code: 'TOO_MANY_CALLS', path: ['d'] }]);
    expect(response.body.data).toEqual({ a: { sid: a }, b: { sid: b }, c: { sid: c }, d: null });
    expect(stack.sim.stats.requests).toBe(3);
    expect(requestsFor(stack, d)).toBe(0);
  });

  it('the cap is per operation: the next operation may ask for 3 new calls', async () => {
    const three = sids('capNext', 3);
    const response = await stack.gql<CallsData>(CALLS, { sids: three });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.calls?.map((entry) => entry?.sid)).toEqual(three);
  });
});

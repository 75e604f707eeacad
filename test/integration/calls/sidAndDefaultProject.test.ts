/**
 * The sid argument and the default project (calls/callAddress.ts) over real HTTP, checked before
 * anything is fetched: a malformed sid is BAD_USER_INPUT for its own field and costs no upstream
 * request, in `calls` only for its own entries (the others resolve); 64 characters (the
 * boundary) are looked up; without a `projectId` argument nor TALKSTACK_PROJECT_ID, `call` and
 * `calls` are BAD_USER_INPUT with no upstream request, and an explicit projectId still works.
 * Upstream requests are counted at the simulator. (The projectId argument: callAddress.test.ts;
 * the same checks in subscriptions: test/integration/subscriptions/callUpdates.test.ts and
 * callsUpdates.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { codesOf, startStack, type GraphQLResponse, type Stack } from '../../support/stack.js';

interface CallView {
  sid: string;
  status: string;
}
type CallData = { call: CallView | null };
type CallsData = { calls: (CallView | null)[] };

const CALL = 'query Call($sid: ID!, $projectId: ID) { call(sid: $sid, projectId: $projectId) { sid status } }';
const CALLS = 'query Calls($sids: [ID!]!, $projectId: ID) { calls(sids: $sids, projectId: $projectId) { sid status } }';

let counter = 0;
const newSid = (label: string) => `CAaddr${label}${++counter}`;

/** Stores a finished call in the demo account's demo project and returns its sid. */
function knownCall(stack: Stack, label: string, body: Record<string, unknown> = { status: 'completed', seconds: 10, cost: 0.1 }): string {
  const sid = newSid(label);
  stack.sim.setCall(DEMO_PROJECT_ID, sid, body);
  return sid;
}

/** `call(sid)` refused: HTTP 200, `{ call: null }`, one BAD_USER_INPUT at ['call']. */
function expectRefused(response: GraphQLResponse<CallData>): void {
  expect(response.status).toBe(200);
  expect(response.body.data).toEqual({ call: null });
  expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
  expect(response.body.errors?.[0]?.path).toEqual(['call']);
  expect(response.body.errors?.[0]?.message).toEqual(expect.any(String));
}

describe('the sid argument', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  const malformed: [string, string][] = [
    ['empty', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'a b'],
    ['a slash', 'x/y'],
    ['a dot', 'CA.1'],
    ['a non-ASCII letter', 'CAé1'],
  ];

  it.each(malformed)('malformed sid (%s) → BAD_USER_INPUT, no upstream request', async (_label, sid) => {
    stack.sim.resetStats();
    expectRefused(await stack.gql<CallData>(CALL, { sid }));
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('a 64-character sid is well formed (boundary): it is looked up', async () => {
    const sid = `CA${'x'.repeat(62)}`;
    expect(sid).toHaveLength(64);
    const response = await stack.gql<CallData>(CALL, { sid });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ call: null });
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);
  });

  it('in `calls`, only the malformed entries error (path [calls, i]); the others resolve', async () => {
    const good1 = knownCall(stack, 'mixA', { status: 'busy', seconds: 3 });
    const good2 = knownCall(stack, 'mixB', { status: 'in-progress' });
    const unknown = newSid('mixUnknown');
    stack.sim.resetStats();
    const response = await stack.gql<CallsData>(CALLS, { sids: [good1, 'a b', good2, '', unknown, 'x/y'] });
    expect(response.status).toBe(200);
    const calls = response.body.data?.calls;
    expect(calls).toHaveLength(6);
    expect(calls?.[0]).toMatchObject({ sid: good1, status: 'BUSY' });
    expect(calls?.[1]).toBeNull();
    expect(calls?.[2]).toMatchObject({ sid: good2, status: 'IN_PROGRESS' });
    expect(calls?.[3]).toBeNull();
    expect(calls?.[4]).toBeNull();
    expect(calls?.[5]).toBeNull();
    const errors = (response.body.errors ?? []).map((e) => ({ code: e.extensions?.code, path: e.path }));
    expect(errors).toHaveLength(3);
    expect(errors).toEqual(
      expect.arrayContaining([
        { code: 'BAD_USER_INPUT', path: ['calls', 1] },
        { code: 'BAD_USER_INPUT', path: ['calls', 3] },
        { code: 'BAD_USER_INPUT', path: ['calls', 5] },
      ]),
    );
    // Only the three well-formed sids went upstream.
    expect(stack.sim.stats.requests).toBe(3);
    expect(stack.sim.requestLog.map((entry) => entry.sid).sort()).toEqual([good1, good2, unknown].sort());
  });
});

describe('without a default project (no TALKSTACK_PROJECT_ID)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { talkstackProjectId: undefined } });
  });
  afterAll(() => stack?.close());

  it('call without projectId → BAD_USER_INPUT, no upstream request', async () => {
    const sid = knownCall(stack, 'noProject');
    stack.sim.resetStats();
    expectRefused(await stack.gql<CallData>(CALL, { sid }));
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('calls without projectId → BAD_USER_INPUT for the field, no upstream request', async () => {
    const sid = knownCall(stack, 'noProjectList');
    stack.sim.resetStats();
    const response = await stack.gql<CallsData>(CALLS, { sids: [sid, newSid('noProjectList')] });
    expect(response.status).toBe(200);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.path).toEqual(['calls']);
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('an explicit projectId still works', async () => {
    const sid = knownCall(stack, 'withProject');
    const response = await stack.gql<CallData>(CALL, { sid, projectId: DEMO_PROJECT_ID });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.call).toMatchObject({ sid, status: 'COMPLETED' });
    expect(stack.sim.requestLog.filter((entry) => entry.sid === sid).map((entry) => entry.projectId)).toEqual([DEMO_PROJECT_ID]);
  });
});

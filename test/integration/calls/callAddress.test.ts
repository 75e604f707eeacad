/**
 * The projectId argument (calls/callAddress.ts) over real HTTP against the simulator, whose
 * request log tells what reached upstream: a malformed projectId (empty, over 128 characters,
 * control characters) is BAD_USER_INPUT for `call`, once per field for `calls`, per entry for
 * `_entities`, and before any stream opens for `callUpdates`, with no upstream request and
 * cheaply however long it is, never logged; 128 characters (code points) are asked upstream;
 * TALKSTACK_PROJECT_ID is trusted configuration, used as it is.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_CALLS, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { codesOf, startStack, type Stack } from '../../support/stack.js';

const sid = (DEMO_CALLS[0] as { sid: string }).sid;
const otherSid = (DEMO_CALLS[1] as { sid: string }).sid;
const CALL = 'query ($p: ID) { call(sid: "CA1", projectId: $p) { sid } }';
const CALLS = 'query ($s: [ID!]!, $p: ID) { calls(sids: $s, projectId: $p) { sid status } }';
const ENTITIES = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Call { sid status } } }';

describe('projectId validation', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.sim.resetStats();
    stack.logs.length = 0;
  });

  const malformed = ['', 'p'.repeat(129), '😀'.repeat(129), 'demo\nproject', 'demo\u0000project', 'demo\u0085project'];

  it.each(malformed.map((projectId) => [JSON.stringify(projectId).slice(0, 20), projectId]))(
    'refuses %s for call, calls (once per field) and _entities (per entry), without an upstream request',
    async (_name, projectId) => {
      const call = await stack.gql(CALL, { p: projectId });
      expect(codesOf(call)).toEqual(['BAD_USER_INPUT']);
      const calls = await stack.gql(CALLS, { s: [sid, otherSid, sid], p: projectId });
      expect(codesOf(calls)).toEqual(['BAD_USER_INPUT']);
      expect(calls.body.errors?.[0]?.path).toEqual(['calls']);
      const entities = await stack.gql<{ _entities: unknown[] }>(ENTITIES, {
        r: [{ __typename: 'Call', projectId, sid }, { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: otherSid }],
      });
      expect(codesOf(entities)).toEqual(['BAD_USER_INPUT']);
      expect(entities.body.data?._entities).toEqual([null, { sid: otherSid, status: expect.any(String) }]);
      expect(stack.sim.requestLog.filter((entry) => entry.projectId !== DEMO_PROJECT_ID)).toEqual([]);
    },
  );

  it('accepts 128 characters (code points, so 128 emoji too): those are asked upstream', async () => {
    for (const projectId of ['p'.repeat(128), '😀'.repeat(128)]) {
      const answer = await stack.gql(CALL, { p: projectId });
      expect(answer.body.errors).toBeUndefined();
    }
    expect(stack.sim.stats.requests).toBe(2);
  });

  it('refuses a 100,000-character projectId once per field, cheaply, and never logs it', async () => {
    const projectId = 'p'.repeat(100_000);
    const answer = await stack.gql(CALLS, { s: Array(500).fill(sid), p: projectId });
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.message).toBe('projectId must be at most 128 characters.');
    expect(stack.sim.stats.requests).toBe(0);
    expect(stack.logs.some((line) => line.includes('p'.repeat(200)))).toBe(false);
  });

  it('refuses a projectId with a lone surrogate (not well-formed Unicode) as BAD_USER_INPUT, no upstream request', async () => {
    const answer = await stack.gql(CALLS, { s: [sid], p: 'a\ud800b' });
    expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(answer.body.errors?.[0]?.message).toBe('projectId must be well-formed Unicode (it has a lone surrogate).');
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('refuses a malformed projectId of callUpdates before any stream is opened', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': DEMO_API_KEY },
      body: JSON.stringify({ query: 'subscription ($p: ID) { callUpdates(sid: "CA1", projectId: $p) { sid } }', variables: { p: 'a\tb' } }),
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text(); // the stream ends after its one error event
    expect(text).toContain('"code":"BAD_USER_INPUT"');
    expect(text).toContain('projectId must not contain control characters.');
    expect(stack.sim.stats.requests).toBe(0);
  });
});

describe('TALKSTACK_PROJECT_ID is trusted configuration', () => {
  it('is used as it is, even when an argument of that shape would be refused', async () => {
    const projectId = 'q'.repeat(200);
    const stack = await startStack({ config: { talkstackProjectId: projectId } });
    try {
      const answer = await stack.gql(`{ call(sid: "${sid}") { sid } }`);
      expect(answer.body.errors).toBeUndefined();
      expect(stack.sim.requestLog.map((entry) => entry.projectId)).toEqual([projectId]);
    } finally {
      await stack.close();
    }
  });
});

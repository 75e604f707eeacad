/**
 * `_entities` asked of this subgraph directly, as a gateway asks it, over real HTTP against the
 * simulator: representations are batched and deduplicated, errors stay per representation
 * (an unknown call is null without error), a representation whose sid or projectId is not a
 * string or number fails that entry only, and an entry failing before one of an unknown
 * `__typename` leaves no unhandled rejection behind. (Through a real gateway: gateway.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CALLS, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { codesOf, startStack, type Stack } from '../../support/stack.js';

const ENTITIES = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Call { sid status } } }';
const sid = DEMO_CALLS[0]?.sid as string;
const otherSid = DEMO_CALLS[1]?.sid as string;

type Entities = { _entities: Array<{ sid: string; status: string } | null> };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.sim.resetStats();
  stack.sim.clearFaults();
});

describe('_entities on this subgraph', () => {
  it('batches, dedupes and keeps errors per representation; an unknown call is null without error', async () => {
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAent_ok', { status: 'voicemail' });
    stack.sim.injectFault('CAent_forbidden', { type: 'status', status: 403 });
    const representations = [
      { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAent_ok' },
      { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAent_forbidden' },
      { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAent_unknown' },
      { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'not a sid' },
      { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAent_ok' },
    ];
    const response = await stack.gql<Entities>(ENTITIES, { r: representations });
    expect(response.body.data?._entities).toEqual([
      { sid: 'CAent_ok', status: 'VOICEMAIL' },
      null,
      null,
      null,
      { sid: 'CAent_ok', status: 'VOICEMAIL' },
    ]);
    const errors = (response.body.errors ?? []).map((error) => [error.path, error.extensions?.code]);
    // Errors arrive in the order the calls settle; compare them by path.
    expect(errors.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      [['_entities', 1], 'FORBIDDEN'],
      [['_entities', 3], 'BAD_USER_INPUT'],
    ]);
    expect(stack.sim.stats.requests).toBe(3);
  });

  it('a representation whose sid or projectId is not a string or number fails that entry only', async () => {
    const answer = await stack.gql<Entities>(ENTITIES, {
      r: [
        { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: [sid] },
        { __typename: 'Call', projectId: { id: DEMO_PROJECT_ID }, sid },
        { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: otherSid },
      ],
    });
    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(answer.body.errors?.map((error) => error.path)).toEqual([
      ['_entities', 0],
      ['_entities', 1],
    ]);
    expect(answer.body.data?._entities[2]).toEqual({ sid: otherSid, status: expect.any(String) });
    expect(stack.sim.requestLog.map((entry) => entry.sid)).toEqual([otherSid]);
  });

  // @apollo/subgraph throws for the unknown __typename after it has made the promises of the
  // entries before it, which nobody then awaits: a rejection among them must not be
  // "unhandled" (it ended the process; vitest fails the run on one).
  it.each([
    ['a sid that is a list', '{__typename: "Call", sid: ["x"]}'],
    ['an empty projectId', '{__typename: "Call", sid: "CA1", projectId: ""}'],
    ['a malformed sid', '{__typename: "Call", sid: "bad sid"}'],
  ])('an entry with %s before one of an unknown __typename: the field fails, the server goes on', async (_label, entry) => {
    const answer = await stack.gql(`{ _entities(representations: [${entry}, {__typename: "Nope"}]) { __typename } }`);
    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT']);
    // Give a stray rejection its turn to surface before checking the server still answers.
    await new Promise((resolve) => setImmediate(resolve));
    const after = await stack.gql(`{ call(sid: "${sid}") { sid } }`);
    expect(after.body.data).toEqual({ call: { sid } });
  });
});

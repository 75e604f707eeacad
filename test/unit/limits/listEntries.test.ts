/**
 * MAX_LIST_ENTRIES (limits/listEntries.ts), in process through `yoga.fetch`: the list entries
 * an operation passes are added up over aliases, inline lists, variables, fragments (each
 * time spread) and `_entities` representations, malformed ones included; one over the limit
 * is HTTP 400 BAD_USER_INPUT before variables are coerced, so a flood costs little, and
 * nothing executes. Plus what is counted: defaults, single values, subscriptions' `sids`.
 * (1000 entries served at the limit against the simulator:
 * integration/graphql/operationLimits.test.ts.)
 */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { listEntriesOf } from '../../../src/limits/listEntries.js';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { codesOf, type InProcessAnswer, inProcessServer } from '../../support/inProcess.js';

const CALLS = 'query ($s: [ID!]!, $p: ID) { calls(sids: $s, projectId: $p) { sid status } }';
/** A malformed sid: refused by the resolver, never fetched, so these tests need no upstream. */
const BAD = '!';

describe('MAX_LIST_ENTRIES (default 1000)', () => {
  const server = inProcessServer();

  const expectRefused = (answer: InProcessAnswer, entries: number) => {
    expect(answer.status).toBe(400);
    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.body.errors?.[0]?.message).toContain(`passes ${entries} list entries`);
    expect(answer.body.errors?.[0]?.message).toContain('MAX_LIST_ENTRIES');
    expect(answer.body.data).toBeUndefined();
    expect(server.lookups()).toBe(0);
  };

  it('adds up aliases, inline lists, variables and fragments (each time spread): 1000 run, 1002 are refused, nothing executes', async () => {
    const inline = `[${Array(100).fill(`"${BAD}"`).join(',')}]`;
    const query = `query ($s: [ID!]!) {
      a: calls(sids: $s) { sid } b: calls(sids: $s) { sid }
      c: calls(sids: ${inline}) { sid } ...F ...F
    }
    fragment F on Query { d: calls(sids: ["x!", "y!"]) { sid } }`;
    // 2 × 448 + 100 + 2 × 2 = 1000
    expect((await server.gql(query, { s: Array(448).fill(BAD) })).status).toBe(200);
    expectRefused(await server.gql(query, { s: Array(449).fill(BAD) }), 1002);
  });

  it('counts malformed entries and _entities representations together with sids', async () => {
    const query = `query ($s: [ID!]!, $r: [_Any!]!) {
      calls(sids: $s) { sid }
      _entities(representations: $r) { ... on Call { sid } }
    }`;
    const r = Array(500).fill({ __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CA1' });
    expectRefused(await server.gql(query, { s: Array(501).fill('not a sid!'), r }), 1001);
  });

  it('refuses a list far over the limit (250,000 malformed sids in a ~1 MB body) without coercing it', async () => {
    expectRefused(await server.gql(CALLS, { s: Array(250_000).fill(BAD) }), 250_000);
  });

  it('counts a variable left out by its default value, and a single value as a list of one', () => {
    const document = parse(`query ($s: [ID!]! = ["a", "b", "c"], $one: [ID!]) { calls(sids: $s) { sid } more: calls(sids: $one) { sid } }`);
    expect(listEntriesOf(document, undefined, {})).toBe(3);
    expect(listEntriesOf(document, undefined, { s: ['a'], one: 'x' })).toBe(2);
    expect(listEntriesOf(document, undefined, { s: null, one: null })).toBe(0);
  });

  it("counts any field's `sids` argument, subscriptions included (callsUpdates)", () => {
    const document = parse('subscription ($s: [ID!]!) { callsUpdates(sids: $s) { sid } }');
    expect(listEntriesOf(document, undefined, { s: Array(1001).fill('x') })).toBe(1001);
  });
});

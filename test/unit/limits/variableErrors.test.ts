/**
 * Variables the operation cannot take (limits/variableErrors.ts), in process through
 * `yoga.fetch`: a variable of the wrong type, a required one missing or malformed is the
 * caller's mistake, HTTP 400 BAD_USER_INPUT with nothing run, and the message never echoes a
 * huge value back.
 */
import { describe, expect, it } from 'vitest';
import { codesOf, inProcessServer } from '../../support/inProcess.js';

const CALL = 'query ($s: ID!) { call(sid: $s) { sid } }';
const CALLS = 'query ($s: [ID!]!, $p: ID) { calls(sids: $s, projectId: $p) { sid status } }';

describe('variable errors', () => {
  const server = inProcessServer();

  it('a variable of the wrong type, or a required one missing, is HTTP 400 BAD_USER_INPUT; nothing runs', async () => {
    for (const [query, variables] of [
      [CALL, { s: { not: 'an id' } }],
      [CALLS, { s: [{ not: 'an id' }] }],
      [CALL, undefined],
      [CALLS, undefined],
      [CALLS, { s: ['CA1'], p: true }],
    ] as const) {
      const answer = await server.gql(query, variables);
      expect(answer.status, JSON.stringify(variables)).toBe(400);
      expect(codesOf(answer)).toEqual(['BAD_USER_INPUT']);
    }
    expect(server.lookups()).toBe(0);
  });

  it('a wrong value of 20,000 keys is not echoed back in the message', async () => {
    const huge = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 'v']));
    const answer = await server.gql(CALL, { s: huge });
    expect(answer.status).toBe(400);
    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.text.length).toBeLessThan(2000);
    expect(server.lookups()).toBe(0);
  });
});

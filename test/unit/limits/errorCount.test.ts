/**
 * MAX_ERRORS (limits/errorCount.ts), in process through `yoga.fetch`: a response lists at most
 * MAX_ERRORS errors, in order, then one TOO_MANY_ERRORS saying how many were left out; the
 * data stays whole. Malformed sids make the errors, so no upstream is needed. (Across the
 * payloads of @defer/@stream: integration/graphql/incrementalDelivery.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { codesOf, inProcessServer } from '../../support/inProcess.js';

const CALLS = 'query ($s: [ID!]!) { calls(sids: $s) { sid status } }';

describe('MAX_ERRORS (default 100)', () => {
  const server = inProcessServer();

  it('lists 100 errors as they are', async () => {
    const answer = await server.gql(CALLS, { s: Array(100).fill('bad sid') });
    expect(answer.body.errors).toHaveLength(100);
    expect(codesOf(answer).every((code) => code === 'BAD_USER_INPUT')).toBe(true);
  });

  it('101 errors: the first 100, then TOO_MANY_ERRORS naming the one left out', async () => {
    const answer = await server.gql(CALLS, { s: Array(101).fill('bad sid') });
    expect(answer.body.errors).toHaveLength(101);
    expect(answer.body.errors?.[100]).toEqual({
      message: '1 more error was left out: a response lists at most 100 (MAX_ERRORS).',
      extensions: { code: 'TOO_MANY_ERRORS' },
    });
  });

  it('1000 errors: the first 100 in order, one TOO_MANY_ERRORS for the 900 others, every field still null', async () => {
    const sids = Array.from({ length: 1000 }, (_, index) => (index % 2 === 0 ? `bad sid ${index}` : `bad.${index}`));
    const answer = await server.gql(CALLS, { s: sids });
    expect(answer.status).toBe(200);
    const errors = answer.body.errors ?? [];
    expect(errors).toHaveLength(101);
    expect(errors.slice(0, 100).map((error) => error.path)).toEqual(Array.from({ length: 100 }, (_, index) => ['calls', index]));
    expect(errors[100]?.extensions?.code).toBe('TOO_MANY_ERRORS');
    expect(errors[100]?.message).toBe('900 more errors were left out: a response lists at most 100 (MAX_ERRORS).');
    expect(answer.body.data?.['calls']).toEqual(Array(1000).fill(null));
  });
});

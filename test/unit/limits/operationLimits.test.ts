/**
 * MAX_DEPTH, MAX_ALIASES and MAX_TOKENS (limits/operationLimits.ts), in process through
 * `yoga.fetch`: an operation over a limit is HTTP 400 GRAPHQL_VALIDATION_FAILED naming the
 * limit, before anything executes (no call asked of the fetch pipeline); fragments count by
 * content and each time they are spread; graphql's own rule against cyclic introspection
 * answers the same way, while GraphiQL's full introspection query passes even with MAX_DEPTH 2.
 */
import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEMO_CALLS } from '../../../src/simulator/index.js';
import { codesOf, inProcessServer } from '../../support/inProcess.js';

const first = DEMO_CALLS[0]?.sid as string;

describe('operation limits', () => {
  const server = inProcessServer({ maxDepth: 2, maxAliases: 3, maxTokens: 120 });

  const expectRejected = async (query: string, pattern: RegExp) => {
    const response = await server.gql(query);
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors?.[0]?.message).toMatch(pattern);
    expect(response.body.data).toBeUndefined();
    expect(server.lookups()).toBe(0);
  };

  it('MAX_DEPTH: rejects an operation deeper than the limit, counting fragments by content', async () => {
    await expectRejected(`{ call(sid: "${first}") { shift { shiftId } } }`, /3 levels deep; at most 2 .*MAX_DEPTH/);
    await expectRejected(
      `{ call(sid: "${first}") { ...A } } fragment A on Call { shift { ...B } } fragment B on ShiftData { shiftId }`,
      /3 levels deep/,
    );
  });

  it('MAX_DEPTH: fragment spreads and inline fragments are not levels', async () => {
    const response = await server.gql(`{ call(sid: "bad sid") { ...A ... on Call { ...B } } } fragment A on Call { sid } fragment B on Call { status }`);
    expect(response.status).toBe(200);
    // Validated and run: the sid is refused by the resolver, not the limit.
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('MAX_ALIASES: counts aliases in fragments each time they are spread', async () => {
    await expectRejected(`{ a: call(sid: "${first}") { sid } b: call(sid: "${first}") { sid } c: call(sid: "${first}") { sid } d: call(sid: "${first}") { sid } }`, /4 aliases; at most 3 .*MAX_ALIASES/);
    await expectRejected(
      `{ x: call(sid: "${first}") { ...F } y: call(sid: "${first}") { ...F } } fragment F on Call { s: sid }`,
      /4 aliases/,
    );
  });

  it('MAX_TOKENS: rejects a document with too many tokens before parsing it all', async () => {
    await expectRejected(`{ call(sid: "${first}") { ${'sid '.repeat(150)} } }`, /more than 120 tokens .*MAX_TOKENS/);
  });

  it("rejects cyclic introspection (graphql's own rule) with the same status and code", async () => {
    await expectRejected(
      '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
      /introspection depth/,
    );
  });

  it("lets GraphiQL's full introspection query through even with MAX_DEPTH 2", async () => {
    const response = await inProcessServer({ maxDepth: 2 }).gql(
      getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }),
    );
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });
});

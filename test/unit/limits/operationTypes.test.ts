/**
 * An operation of a type the schema does not have (limits/operationTypes.ts): this schema has
 * no mutations, so a mutation is HTTP 400 GRAPHQL_VALIDATION_FAILED and nothing executes. In
 * process through `yoga.fetch`.
 */
import { describe, expect, it } from 'vitest';
import { codesOf, inProcessServer } from '../../support/inProcess.js';

describe('operation types', () => {
  it('a mutation (the schema has none) is HTTP 400 GRAPHQL_VALIDATION_FAILED, nothing executes', async () => {
    const server = inProcessServer();
    const answer = await server.gql('mutation { call(sid: "CA1") { sid } }');
    expect(answer.status).toBe(400);
    expect(codesOf(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(server.lookups()).toBe(0);
  });
});

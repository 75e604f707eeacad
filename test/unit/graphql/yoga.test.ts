/**
 * The GraphQL edge (graphql/yoga.ts) in process, through `yoga.fetch`: /health, the methods
 * served, a body that is not JSON refused without parser internals, and HTTP 400 for any
 * invalid operation whatever the client accepts. (What the Node layer adds in front, CORS,
 * body size, request heads: test/integration/http; GraphiQL's page and assets:
 * test/integration/graphiql.)
 */
import { describe, expect, it } from 'vitest';
import { codesOf, inProcessServer } from '../../support/inProcess.js';

describe('the GraphQL edge', () => {
  const server = inProcessServer();

  it('answers /health', async () => {
    expect((await server.get({}, {}, '/health')).status).toBe(200);
  });

  it('answers an invalid JSON body with 400 BAD_REQUEST and no parser internals', async () => {
    const response = await server.post('{"query": "{ call(sid: \\"secret-ish');
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['BAD_REQUEST']);
    expect(response.text).not.toContain('secret-ish');
    expect(response.text).not.toContain('originalError');
  });

  it('refuses other methods', async () => {
    const response = await server.server.yoga.fetch(
      new Request('http://calls.test/graphql', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }),
    );
    expect(response.status).toBe(405);
  });

  it.each(['application/json', 'application/graphql-response+json'])('answers any invalid operation 400 (accept: %s)', async (accept) => {
    const response = await server.gql('{ call(sid: "CA1") { nope } }', undefined, { accept });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});

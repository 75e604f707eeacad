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

  // GraphQL over HTTP (limits/refusalStatus.ts): a document that does not parse, validate or
  // whose variables do not coerce is 400 for application/graphql-response+json, and 200 with the
  // same errors for application/json (asked alone, through */*, or no Accept), so clients such
  // as Apollo Client 3 can read them; nothing runs either way.
  const refused = {
    'a parse error': ['{ call(sid: ', 'GRAPHQL_PARSE_FAILED'],
    'a validation error': ['{ call(sid: "CA1") { nope } }', 'GRAPHQL_VALIDATION_FAILED'],
    'a variable that does not coerce': ['query Q($s: ID!) { call(sid: $s) { sid } }', 'BAD_USER_INPUT'],
  } as const;
  const accepts: [string | undefined, number][] = [
    ['application/graphql-response+json', 400],
    ['application/graphql-response+json, application/json;q=0.9', 400],
    ['application/json', 200],
    ['*/*', 200],
    [undefined, 200],
  ];
  for (const [what, [query, code]] of Object.entries(refused)) {
    it.each(accepts)(`answers ${what} with the status of its media type (accept: %s → %i)`, async (accept, status) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': 'demo-key', ...(accept === undefined ? {} : { accept }) };
      const answer = await server.server.yoga.fetch(new Request('http://calls.test/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables: { s: 5.5 } }) }));
      const body = (await answer.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      expect(answer.status).toBe(status);
      expect(body.errors?.map((error) => error.extensions?.code)).toEqual([code]);
      expect(body.data).toBeUndefined();
      expect(server.lookups()).toBe(0);
    });
  }
});

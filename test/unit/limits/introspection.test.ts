/**
 * GRAPHQL_INTROSPECTION (Yoga's introspection switch and limits/noFieldSuggestions.ts), in
 * process through `yoga.fetch`: off, `__schema` and `__type` are refused and validation
 * messages give no "Did you mean" hint, while `__typename` and federation's `_service { sdl }`
 * keep working; on (the default), suggestions help the user.
 */
import { describe, expect, it } from 'vitest';
import { codesOf, inProcessServer } from '../../support/inProcess.js';

describe('GRAPHQL_INTROSPECTION', () => {
  it('false: refuses __schema and __type, hides field suggestions, keeps __typename and _service', async () => {
    const server = inProcessServer({ introspection: false });
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Call") { name } }']) {
      const response = await server.gql(query);
      expect(response.status).toBe(400);
      expect(codesOf(response)[0]).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const typo = await server.gql('{ call(sid: "CA1") { statu } }');
    expect(typo.body.errors?.[0]?.message).toBe('Cannot query field "statu" on type "Call".');
    const allowed = await server.gql('{ __typename _service { sdl } }');
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('@key(fields: \\"projectId sid\\")');
  });

  it('true (default): suggestions help the user', async () => {
    const typo = await inProcessServer().gql('{ call(sid: "CA1") { statu } }');
    expect(typo.body.errors?.[0]?.message).toMatch(/Did you mean "status"/);
  });
});

/**
 * CSRF prevention (Yoga's plugin, first among graphql/plugins.ts's refusals), in process
 * through `yoga.fetch`: what a browser can send cross-site without a preflight (a GET, or a
 * POST of a "simple" content type) must carry the CSRF header or a JSON content type, else it
 * is 403 before anything runs; an unknown content type is 415. Any other client sends the
 * header, or JSON, and is served. (GraphiQL sends the header itself:
 * integration/demo/graphiqlDocument.test.ts; with CORS: integration/http/cors.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../../src/graphql/yoga.js';
import { inProcessServer } from '../../support/inProcess.js';

describe('CSRF prevention', () => {
  const server = inProcessServer();
  const query = { query: '{ __typename }' };

  it('refuses a GET without the header and without a JSON content type (403), nothing run', async () => {
    const response = await server.get(query);
    expect(response.status).toBe(403);
    expect(response.body.data).toBeUndefined();
    // coded like every error answer, and saying what to do
    expect(response.body.errors?.[0]?.extensions).toEqual({ code: 'CSRF_HEADER_REQUIRED' });
    expect(response.body.errors?.[0]?.message).toContain(CSRF_HEADER);
  });

  it('serves a GET with the header, or with a JSON content type', async () => {
    const withHeader = await server.get(query, { [CSRF_HEADER]: 'any' });
    expect(withHeader.status).toBe(200);
    expect(withHeader.body).toEqual({ data: { __typename: 'Query' } });
    expect((await server.get(query, { 'content-type': 'application/json' })).status).toBe(200);
  });

  it('refuses the content types of a simple cross-site POST without the header (403), an unknown one 415', async () => {
    const body = JSON.stringify(query);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect((await server.post(body, { 'content-type': type })).status, type).toBe(403);
    }
    expect((await server.post('<q/>', { 'content-type': 'application/xml' })).status).toBe(415);
    expect(server.lookups()).toBe(0);
  });
});

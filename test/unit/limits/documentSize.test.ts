/**
 * MAX_DOCUMENT_BYTES (limits/documentSize.ts), in process through `yoga.fetch`: a document of
 * exactly the limit is served, one byte over is refused (UTF-8 bytes, not characters), one far
 * over is refused before it is parsed, over POST and GET alike, as HTTP 400
 * GRAPHQL_VALIDATION_FAILED with nothing run; and the enveloped parse the WebSocket transport
 * uses refuses it too. (Over a WebSocket: integration/websocket/webSocketEndpoint.test.ts; with
 * @defer/@stream: integration/graphql/incrementalDelivery.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../../src/graphql/yoga.js';
import { codesOf, inProcessServer } from '../../support/inProcess.js';

const OPERATION = '{ __typename }';

/** A document of exactly `bytes` UTF-8 bytes: `operation` after a comment of `fill` characters. */
function documentOf(bytes: number, operation: string, fill = 'x'): string {
  const fillBytes = Buffer.byteLength(fill);
  const room = bytes - Buffer.byteLength(operation) - 2; // "#" and "\n"
  const text = `#${fill.repeat(Math.floor(room / fillBytes))}${'x'.repeat(room % fillBytes)}\n${operation}`;
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

describe('MAX_DOCUMENT_BYTES (default 65536)', () => {
  const server = inProcessServer();

  it('serves a document of exactly the limit, comments included', async () => {
    const answer = await server.gql(documentOf(65_536, OPERATION));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a document one byte over, counting UTF-8 bytes rather than characters', async () => {
    const text = documentOf(65_537, OPERATION, 'é');
    expect(text.length).toBeLessThan(65_536);
    const answer = await server.gql(text);
    expect(answer.status).toBe(400);
    expect(codesOf(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(answer.body.errors?.[0]?.message).toMatch(/larger than 65536 bytes \(MAX_DOCUMENT_BYTES\)/);
  });

  it('refuses a document far over the limit before parsing it: no parse error, nothing executes', async () => {
    // Not even GraphQL: a parse would answer GRAPHQL_PARSE_FAILED.
    const answer = await server.gql(`{ call(sid: "CA1") { sid } } {{{ ${'x'.repeat(900_000)}`);
    expect(answer.status).toBe(400);
    expect(codesOf(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(answer.body.data).toBeUndefined();
    expect(server.lookups()).toBe(0);
  });
});

describe('MAX_DOCUMENT_BYTES=300', () => {
  const server = inProcessServer({ maxDocumentBytes: 300 });

  it('over GET: serves a document within the limit and refuses one over it', async () => {
    expect((await server.get({ query: documentOf(300, OPERATION) }, { [CSRF_HEADER]: '1' })).status).toBe(200);
    const over = await server.get({ query: documentOf(3000, OPERATION) }, { [CSRF_HEADER]: '1' });
    expect(over.status).toBe(400);
    expect(codesOf(over)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('the enveloped parse (what the WebSocket transport uses) refuses a document over the limit, and parses one within it', () => {
    const enveloped = server.server.yoga.getEnveloped({} as never);
    expect(enveloped.parse(documentOf(300, OPERATION)).kind).toBe('Document');
    expect(() => enveloped.parse(documentOf(301, OPERATION))).toThrow(/larger than 300 bytes \(MAX_DOCUMENT_BYTES\)/);
  });
});

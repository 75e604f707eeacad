/**
 * The last-resort guards (http/lastResort.ts in the Node layer, graphql/lastResortErrors.ts
 * around Yoga's handler), over raw sockets on bare servers of their own: whatever a handler
 * throws, the client gets a generic 500 INTERNAL_SERVER_ERROR with no stack trace or file path,
 * and the error is logged. Without the Yoga guard, @whatwg-node's answer would show it.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useLastResortErrors } from '../../../src/graphql/lastResortErrors.js';
import { guardRequests } from '../../../src/http/lastResort.js';
import { createLogger } from '../../../src/logging/logger.js';
import { graphqlBody, rawPost as post, rawRequest, STACK_OR_PATH } from '../../support/rawHttp.js';

describe('last-resort guards', () => {
  const listen = async (server: ReturnType<typeof createHttpServer>) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('a Node-layer handler that throws: a generic 500, the error logged', async () => {
    const logs: string[] = [];
    const logger = createLogger('error', { write: (line: string) => void logs.push(line) });
    const server = createHttpServer(
      guardRequests(() => {
        throw new Error('boom in /work/main/src/somewhere.ts:12');
      }, logger),
    );
    const url = await listen(server);
    try {
      const answer = await rawRequest(url, 'GET / HTTP/1.1\r\nHost: x\r\nconnection: close\r\n\r\n');
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toEqual({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      expect(answer.raw).not.toMatch(STACK_OR_PATH);
      expect(logs.join('')).toContain('boom');
    } finally {
      server.close();
    }
  });

  it("anything escaping Yoga's handler: a generic 500 instead of @whatwg-node's stack-trace body", async () => {
    const throwing: Plugin = {
      onResultProcess() {
        throw new Error('boom in /work/main/src/somewhere.ts:12');
      },
    };
    const typeDefs = 'type Query { ok: Boolean }';
    const schema = createSchema({ typeDefs, resolvers: { Query: { ok: () => true } } });
    const logger = createLogger('silent');
    const bare = createHttpServer(createYoga({ schema, logging: false, plugins: [throwing] }));
    const guarded = createHttpServer(createYoga({ schema, logging: false, plugins: [useLastResortErrors(logger), throwing] }));
    const [bareUrl, guardedUrl] = [await listen(bare), await listen(guarded)];
    try {
      const request = post('/graphql', ['Host: x'], graphqlBody('{ ok }'));
      // Without the guard the failure shows itself (this is what the guard is for)…
      expect((await rawRequest(bareUrl, request)).raw).toMatch(STACK_OR_PATH);
      // …with it, nothing of it reaches the client.
      const answer = await rawRequest(guardedUrl, request);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toEqual({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      expect(answer.raw).not.toMatch(STACK_OR_PATH);
    } finally {
      bare.close();
      guarded.close();
    }
  });
});

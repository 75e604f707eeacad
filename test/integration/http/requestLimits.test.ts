/**
 * What the Node layer refuses of a request's size before Yoga sees it (http/requestLimits.ts),
 * over real HTTP against the simulator, whose counters tell that nothing reached upstream:
 * MAX_BODY_BYTES from Content-Length (413) and for a chunked body as it grows (413; a small
 * one is served), a malformed or repeated Content-Length (400), a URL over 8 KiB (414).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_CALLS } from '../../../src/simulator/index.js';
import { rawRequest } from '../../support/rawHttp.js';
import { startStack, type Stack } from '../../support/stack.js';

const first = DEMO_CALLS[0]?.sid as string;

/** A POST whose body is sent chunked (no Content-Length). */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY, 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // The server may close the connection once it has refused the body.
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('request size limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { maxBodyBytes: 2048 } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sim.resetStats());

  it('MAX_BODY_BYTES: 413 for a declared body over the limit', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY },
      body: JSON.stringify({ query: `{ call(sid: "${first}") { sid } }`, pad: 'x'.repeat(3000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('MAX_BODY_BYTES');
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('MAX_BODY_BYTES: 413 for a chunked body that grows over the limit; a small chunked body works', async () => {
    const big = await postChunked(stack.url, ['{"query":"{ __typename }","pad":"', 'x'.repeat(1500), 'x'.repeat(1500), '"}']);
    expect(big.status).toBe(413);
    const small = await postChunked(stack.url, ['{"query":"{ call(sid: \\"', first, '\\") { sid } }"}']);
    expect(small.status).toBe(200);
    expect(JSON.parse(small.text)).toEqual({ data: { call: { sid: first } } });
  });

  it("a malformed or repeated Content-Length is refused with 400 before anything runs (Yoga's own body limit is off)", async () => {
    for (const value of ['abc', '-1', '2\r\nContent-Length: 7']) {
      const answer = await rawRequest(stack.url, `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${value}\r\n\r\n{}`);
      expect(answer.raw.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    }
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('414 for a URL over 8 KiB', async () => {
    const response = await fetch(`${stack.url}/graphql?query=${'a'.repeat(9000)}`, { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(414);
    await response.arrayBuffer();
  });
});

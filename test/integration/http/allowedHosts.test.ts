/**
 * ALLOWED_HOSTS (http/allowedHosts.ts) over raw HTTP: a listed Host is served; another gets
 * 421 with BAD_REQUEST and nothing runs, on /graphql and for a WebSocket upgrade alike (a
 * DNS-rebinding page sends its own name as Host, with a matching Origin); the probes' paths
 * answer whatever the Host. Without the setting every Host is served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlBody, rawPost, rawRequest } from '../../support/rawHttp.js';
import { startStack, type Stack } from '../../support/stack.js';

const QUERY = graphqlBody('{ call(sid: "CAhost1") { sid } }');

describe('ALLOWED_HOSTS=calls.example.com,localhost', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { allowedHosts: ['calls.example.com', 'localhost'] } });
  });
  afterAll(() => stack?.close());

  const post = (host: string) => rawRequest(stack.url, rawPost('/graphql', [`host: ${host}`, 'x-api-key: demo-key'], QUERY));

  it('serves a listed Host, with or without a port when listed without one', async () => {
    expect((await post('calls.example.com')).status).toBe(200);
    expect((await post('localhost:4000')).status).toBe(200);
    expect((await post('CALLS.example.com')).status).toBe(200);
  });

  it('refuses another Host with 421 BAD_REQUEST, nothing sent upstream', async () => {
    const before = stack.sim.stats.requests;
    for (const host of ['evil.example', 'calls.example.com.evil.example', '127.0.0.1']) {
      const answer = await post(host);
      expect(answer.status).toBe(421);
      expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    }
    expect(stack.sim.stats.requests).toBe(before);
  });

  it('far over it: 300 requests under ever-other Hosts, some of 8 KB, are refused cheaply, nothing kept', async () => {
    const before = stack.sim.stats.requests;
    const rss = process.memoryUsage().rss;
    const cpu = process.cpuUsage();
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => post(i % 10 === 0 ? `${'a'.repeat(8000)}${i}.example` : `rebind-${i}.evil.example`)),
    );
    const used = process.cpuUsage(cpu);
    expect(answers.every((answer) => answer.status === 421)).toBe(true);
    expect(stack.sim.stats.requests).toBe(before);
    // client and server together, 300 connections: well under a millisecond of CPU per request
    expect((used.user + used.system) / 1000).toBeLessThan(1500);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
  });

  it('refuses a WebSocket upgrade under another Host, even with a matching Origin', async () => {
    const upgrade = [
      'GET /graphql HTTP/1.1',
      'host: evil.example',
      'origin: http://evil.example',
      'upgrade: websocket',
      'connection: Upgrade',
      'sec-websocket-version: 13',
      'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-protocol: graphql-transport-ws',
      '',
      '',
    ].join('\r\n');
    const answer = await rawRequest(stack.url, upgrade);
    expect(answer.status).toBe(421);
    expect(answer.body).toContain('BAD_REQUEST');
  });

  it('answers the probes whatever the Host', async () => {
    for (const path of ['/health', '/readiness', '/metrics']) {
      const answer = await rawRequest(stack.url, `GET ${path} HTTP/1.1\r\nhost: 10.1.2.3:4000\r\nconnection: close\r\n\r\n`);
      expect(answer.status, path).toBe(200);
    }
  });
});

describe('without ALLOWED_HOSTS', () => {
  it('serves any Host', async () => {
    const stack = await startStack();
    try {
      const answer = await rawRequest(stack.url, rawPost('/graphql', ['host: anything.example', 'x-api-key: demo-key'], QUERY));
      expect(answer.status).toBe(200);
    } finally {
      await stack.close();
    }
  });
});

/**
 * The HTTP layer under odd or hostile requests, over raw sockets on loopback (contract:
 * error table "a credential header sent more than once"; "internal errors are masked"; "No
 * error message or log line ever contains a credential"): absolute-form request lines are
 * served, malformed heads get 400, no answer ever shows a stack trace or a file path; and
 * what log lines say about credentials, client text and an unreachable upstream.
 */
import { createHash } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { createYoga, type Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLastResortErrors } from '../src/graphql/lastResortErrors.js';
import { guardRequests } from '../src/http/lastResort.js';
import {
  CONNECTIONS_CHECKING_INTERVAL_MS,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  socketIdleTimeoutMs,
} from '../src/http/serverTimeouts.js';
import { createLogger } from '../src/logging/logger.js';
import { clipForLog, urlForLog } from '../src/logging/logText.js';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS } from '../src/simulator/index.js';
import { type Stack, startStack } from './support/stack.js';

/** What no answer may contain: a stack frame, a path of this machine, a source location. */
const STACK_OR_PATH = /at .*\(|\/work\/|node_modules|\.ts:|\.js:/;

const SID = DEMO_SAMPLE_SIDS[0]?.sid as string;

interface RawAnswer {
  status: number;
  head: string;
  body: string;
  raw: string;
}

/** Writes `request` as is and reads until the server closes the connection (bounded). */
function rawRequest(baseUrl: string, request: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer to ${JSON.stringify(String(request).slice(0, 80))}`));
    }, 5000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const head = split < 0 ? raw : raw.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0), head, body: split < 0 ? '' : raw.slice(split + 4), raw });
    });
    socket.write(request);
  });
}

const graphqlBody = (query: string) => JSON.stringify({ query });

/** A complete POST /graphql with `head` lines (after the request line) and a JSON body. */
function post(target: string, headLines: string[], body: string): string {
  return [`POST ${target} HTTP/1.1`, ...headLines, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close', '', body].join('\r\n');
}

const codesOf = (body: string) => ((JSON.parse(body) as { errors?: Array<{ extensions?: { code?: string } }> }).errors ?? []).map((e) => e.extensions?.code);

describe('request heads over raw sockets', () => {
  let stack: Stack;
  let host: string;
  const answers: RawAnswer[] = [];
  const send = async (request: string | Buffer) => {
    const answer = await rawRequest(stack.url, request);
    answers.push(answer);
    return answer;
  };

  beforeAll(async () => {
    stack = await startStack();
    host = new URL(stack.url).host;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('serves a request line in absolute form by its path (the Host header is ignored, as RFC 9112 says)', async () => {
    const answer = await send(post(`http://${host}/graphql`, ['Host: elsewhere.example', `x-api-key: ${DEMO_API_KEY}`], graphqlBody(`{ call(sid: "${SID}") { sid } }`)));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { call: { sid: SID } } });
  });

  it('serves absolute-form GETs too, query string included', async () => {
    // HTTP/1.1 requires a Host header even then (Node answers 400 without one, as RFC 9112 says).
    expect((await send(`GET http://${host}/health HTTP/1.1\r\nHost: ${host}\r\nconnection: close\r\n\r\n`)).status).toBe(200);
    const readiness = await send(`GET http://${host}/readiness?probe=1 HTTP/1.1\r\nHost: elsewhere.example\r\nconnection: close\r\n\r\n`);
    expect(readiness.status).toBe(200);
    expect(JSON.parse(readiness.body)).toEqual({ status: 'ready', redis: 'off' });
  });

  it.each([
    ['a space', 'a b'],
    ['a slash (it would move the path)', 'a/b'],
    ['an at sign', 'user@host'],
    ['a port over 65535', 'localhost:99999'],
    ['an IPv4 address out of range', '1.2.3.999'],
    ['nothing', ''],
  ])('refuses a Host with %s: 400 BAD_REQUEST', async (_what, value) => {
    const answer = await send(post('/graphql', [`Host: ${value}`, `x-api-key: ${DEMO_API_KEY}`], graphqlBody('{ __typename }')));
    expect(answer.status).toBe(400);
    expect(codesOf(answer.body)).toEqual(['BAD_REQUEST']);
  });

  it('refuses two Host headers', async () => {
    const answer = await send(post('/graphql', ['Host: a', 'Host: b'], graphqlBody('{ __typename }')));
    expect(answer.status).toBe(400);
    expect(codesOf(answer.body)).toEqual(['BAD_REQUEST']);
  });

  it.each([
    ['garbage', 'GARBAGE\r\n\r\n'],
    ['an unknown HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n'],
    ['a relative target', 'GET graphql HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a control character in the target', 'GET /gra\x01phql HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a header line without a colon', 'GET /health HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n'],
  ])('answers a malformed request (%s) with 400 and a short JSON body', async (_what, request) => {
    const answer = await send(request);
    expect(answer.status).toBe(400);
    expect(codesOf(answer.body)).toEqual(['BAD_REQUEST']);
  });

  it('refuses a non-http(s) absolute target, and "*" outside OPTIONS', async () => {
    const ftp = await send(`GET ftp://${host}/graphql HTTP/1.1\r\nHost: ${host}\r\nconnection: close\r\n\r\n`);
    expect(ftp.status).toBe(400);
    expect(codesOf(ftp.body)).toEqual(['BAD_REQUEST']);
    const star = await send(`GET * HTTP/1.1\r\nHost: ${host}\r\nconnection: close\r\n\r\n`);
    expect(star.status).toBe(400);
    const options = await send(`OPTIONS * HTTP/1.1\r\nHost: ${host}\r\nconnection: close\r\n\r\n`);
    expect(options.status).toBe(204);
  });

  it('answers headers larger than Node accepts with 431', async () => {
    const answer = await send(`GET /health HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(codesOf(answer.body)).toEqual(['BAD_REQUEST']);
  });

  it('no answer of this suite shows a stack trace or a file path', () => {
    expect(answers.length).toBeGreaterThan(15);
    for (const answer of answers) expect(answer.raw).not.toMatch(STACK_OR_PATH);
  });
});

describe('a credential header sent more than once', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it.each([
    ['x-api-key twice (Node would join them with ", ")', [`x-api-key: ${DEMO_API_KEY}`, 'X-Api-Key: other-key']],
    ['Authorization twice (Node would keep the first)', [`Authorization: Bearer ${DEMO_BEARER_TOKEN}`, 'authorization: Bearer other']],
    ['the same key twice', [`x-api-key: ${DEMO_API_KEY}`, `x-api-key: ${DEMO_API_KEY}`]],
  ])('%s: HTTP 400, BAD_REQUEST, nothing executes', async (_what, headers) => {
    stack.sim.resetStats();
    const answer = await rawRequest(stack.url, post('/graphql', ['Host: localhost', ...headers], graphqlBody(`{ call(sid: "${SID}") { sid } }`)));
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body) as { data?: unknown; errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_REQUEST']);
    expect(body.data).toBeUndefined();
    expect(answer.raw).not.toContain('other');
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('one of each is fine (both are forwarded)', async () => {
    const answer = await rawRequest(
      stack.url,
      post('/graphql', ['Host: localhost', `x-api-key: ${DEMO_API_KEY}`, `Authorization: Bearer ${DEMO_BEARER_TOKEN}`], graphqlBody(`{ call(sid: "${SID}") { sid } }`)),
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { call: { sid: SID } } });
  });
});

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
    const { createSchema } = await import('graphql-yoga');
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

describe('HTTP server timeouts', () => {
  it('are set deliberately, keep-alive outliving a load balancer idle timeout of 60 s', async () => {
    const stack = await startStack();
    try {
      const { http } = stack.server;
      expect(http.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
      expect(http.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
      expect(http.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
      expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
      expect(http.timeout).toBe(socketIdleTimeoutMs(stack.server.config));
      expect(CONNECTIONS_CHECKING_INTERVAL_MS).toBeLessThan(HEADERS_TIMEOUT_MS);
    } finally {
      await stack.close();
    }
  });

  it('the socket idle timeout outlasts the slowest operation the upstream settings allow', () => {
    expect(socketIdleTimeoutMs({ upstreamTimeoutMs: 10_000, upstreamRetries: 2 })).toBe(120_000);
    // 3 tries of 60 s and 2 waits of at most 5 s, plus a margin.
    expect(socketIdleTimeoutMs({ upstreamTimeoutMs: 60_000, upstreamRetries: 2 })).toBeGreaterThan(3 * 60_000 + 2 * 5_000);
  });
});

describe('log lines', () => {
  const upstreamWarnings = (stack: Stack) =>
    stack.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['level'] === 40 && line['code'] !== undefined);

  /** An upstream failure for `sid`, so that a warning names the credential. */
  async function failOnce(stack: Stack, sid: string, projectId = DEMO_PROJECT_ID) {
    stack.sim.injectFault(sid, { type: 'status', status: 500, times: 1 });
    const response = await stack.gql(`query ($sid: ID!, $p: ID) { call(sid: $sid, projectId: $p) { sid } }`, { sid, p: projectId });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
  }

  it('name a credential by a keyed fingerprint: not its plain SHA-256, stable within an instance, different in another', async () => {
    const first = await startStack({ config: { upstreamRetries: 0 } });
    const second = await startStack({ config: { upstreamRetries: 0 } });
    try {
      await failOnce(first, SID);
      await failOnce(first, SID);
      await failOnce(second, SID);
      const [a, b] = upstreamWarnings(first).map((line) => line['credential']);
      const [c] = upstreamWarnings(second).map((line) => line['credential']);
      expect(typeof a).toBe('string');
      expect(a).toBe(b);
      expect(c).not.toBe(a);
      // Neither the digest that keys data (length-prefixed headers) nor any plain hash of the key.
      const plain = [
        createHash('sha256').update(`-1:${DEMO_API_KEY}`).digest('base64url'),
        createHash('sha256').update(DEMO_API_KEY).digest('base64url'),
        createHash('sha256').update(DEMO_API_KEY).digest('hex'),
      ];
      for (const fingerprint of [a, c]) {
        for (const digest of plain) expect(digest.startsWith(String(fingerprint))).toBe(false);
      }
      for (const line of [...first.logs, ...second.logs]) expect(line).not.toContain(DEMO_API_KEY);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('clip client-supplied text', async () => {
    const stack = await startStack({ config: { upstreamRetries: 0 } });
    try {
      const projectId = `p${'x'.repeat(127)}`;
      await failOnce(stack, SID, projectId);
      const [line] = upstreamWarnings(stack);
      expect(line?.['projectId']).toBe(clipForLog(projectId));
      expect(String(line?.['projectId'])).toMatch(/^px{99}…\[28 more chars\]$/);
      expect(line?.['sid']).toBe(SID);
    } finally {
      await stack.close();
    }
  });

  it('show URLs without user info or query', () => {
    expect(urlForLog('https://user:secret@api.example.com/v1?key=abc')).toBe('https://api.example.com/v1');
    expect(urlForLog('http://127.0.0.1:9')).toBe('http://127.0.0.1:9');
    expect(urlForLog('not a url')).toBe('[unparsable URL]');
  });

  it('an unreachable upstream is logged with the cause and the upstream host, never the full URL', async () => {
    // A port that was just free: nothing listens there.
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const stack = await startStack({ config: { talkstackApiUrl: `http://user:secret@127.0.0.1:${port}/base`, upstreamRetries: 0 } });
    try {
      const response = await stack.gql(`{ call(sid: "${SID}") { sid } }`);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
      const [line] = upstreamWarnings(stack);
      expect(line).toMatchObject({ code: 'UPSTREAM_ERROR', cause: 'ECONNREFUSED', upstream: `127.0.0.1:${port}` });
      for (const logged of stack.logs) expect(logged).not.toMatch(/secret|\/base/);
    } finally {
      await stack.close();
    }
  });
});

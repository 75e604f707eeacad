/**
 * Request heads (http/requestHead.ts and Node's parser), over raw sockets on loopback
 * (contract: error table "a credential header sent more than once"; "internal errors are
 * masked"): absolute-form request lines are served by their path, a bad or repeated Host and
 * malformed heads get a short 400 JSON answer, heads too large 431, a credential header sent
 * more than once 400 BAD_REQUEST with nothing run; no answer ever shows a stack trace or a
 * file path. (Body size and URL length: requestLimits.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { graphqlBody, type RawAnswer, rawCodesOf as codesOf, rawPost as post, rawRequest, STACK_OR_PATH } from '../../support/rawHttp.js';
import { type Stack, startStack } from '../../support/stack.js';

const SID = DEMO_SAMPLE_SIDS[0]?.sid as string;

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

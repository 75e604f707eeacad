/**
 * The fast path for settled answers (http/settledAnswers.ts), over real HTTP against the
 * simulator: a repeated request whose answer was made only of settled final calls is answered
 * from memory (the pipeline's own counter does not move, upstream is not asked), exactly as
 * before, and only for the same credential, method, Accept and bytes; answers with a live or
 * unknown call, an error, or no call at all are never kept, nor are subscriptions; everything a
 * request must pass (CORS, CSRF, the body limit, draining) still applies to a held answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { startStack, type Stack } from '../../support/stack.js';

const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef.mp3';
const PAGE = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status durationSeconds cost recordings { url format } } }';
const FINALS = ['CAfast1', 'CAfast2', 'CAfast3'];
const ALLOWED_ORIGIN = 'http://dashboard.example';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ config: { corsOrigins: [ALLOWED_ORIGIN] } });
  for (const sid of FINALS) stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 42, cost: 0.02, recordingUrls: [RECORDING] });
  stack.sim.setCall(DEMO_PROJECT_ID, 'CAfastlive', { status: 'in-progress' });
  stack.sim.setCall(DEMO_PROJECT_ID, 'CAfastnorec', { status: 'completed', seconds: 5, cost: 0.01 });
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.sim.resetStats();
});

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': DEMO_API_KEY, ...headers },
    body,
  });

const pageBody = (sids: string[]) => JSON.stringify({ query: PAGE, variables: { sids } });

/**
 * Asks twice through the pipeline (the second ask is the one kept: a request seen only once is
 * never kept), then a third time, which is answered from memory when the answer was kept.
 */
async function twice(body: string, headers?: Record<string, string>) {
  const ask = async () => {
    const decided = stack.server.stats().settledAnswers.decided;
    const response = await post(body, headers);
    const text = await response.text();
    // Keeping an answer is decided once the response has gone: wait for that decision.
    await waitFor(() => stack.server.stats().settledAnswers.decided > decided, 1000);
    return { response, text };
  };
  const { response: first, text: firstText } = await ask();
  const hitsAfterFirst = stack.server.stats().settledAnswers.hit;
  await ask();
  // A request seen once is never answered from memory.
  expect(stack.server.stats().settledAnswers.hit).toBe(hitsAfterFirst);
  const hitsBefore = stack.server.stats().settledAnswers.hit;
  const second = await post(body, headers);
  return { first, firstText, second, secondText: await second.text(), hit: stack.server.stats().settledAnswers.hit > hitsBefore };
}

/** Bounded wait for something decided just after a response was sent (no fixed sleep when it holds). */
async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
}

describe('a repeated answer made of settled final calls', () => {
  it('is answered from memory, byte for byte, without going upstream again', async () => {
    const { first, firstText, second, secondText, hit } = await twice(pageBody(FINALS));
    expect(first.status).toBe(200);
    expect(JSON.parse(firstText).data.calls).toHaveLength(3);
    expect(hit).toBe(true);
    expect(second.status).toBe(200);
    expect(secondText).toBe(firstText);
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(stack.sim.stats.requests).toBe(3);
  });

  it('is kept per credential: the same bytes with another credential run the pipeline', async () => {
    const body = pageBody(['CAfast1']);
    expect((await twice(body)).hit).toBe(true);
    const hits = stack.server.stats().settledAnswers.hit;
    const other = await post(body, { 'x-api-key': '', authorization: `Bearer ${DEMO_BEARER_TOKEN}` });
    expect(other.status).toBe(200);
    expect(stack.server.stats().settledAnswers.hit).toBe(hits);
  });

  it('is kept per Accept: another media type is answered in its own type', async () => {
    const body = pageBody(['CAfast2']);
    expect((await twice(body)).hit).toBe(true);
    const hits = stack.server.stats().settledAnswers.hit;
    const other = await post(body, { accept: 'application/graphql-response+json' });
    expect(other.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(stack.server.stats().settledAnswers.hit).toBe(hits);
    const again = await post(body, { accept: 'application/graphql-response+json' });
    expect(again.headers.get('content-type')).toContain('application/graphql-response+json');
  });

  it('is kept per exact request: one more space is another request', async () => {
    const body = pageBody(['CAfast3']);
    expect((await twice(body)).hit).toBe(true);
    const hits = stack.server.stats().settledAnswers.hit;
    await post(body.replace('{ calls', '{  calls'));
    expect(stack.server.stats().settledAnswers.hit).toBe(hits);
  });

  it('also serves GET requests, which still need the CSRF header', async () => {
    const url = `${stack.url}/graphql?query=${encodeURIComponent('{ call(sid: "CAfast1") { sid status } }')}`;
    const headers = { accept: 'application/json', 'x-api-key': DEMO_API_KEY, 'x-graphql-yoga-csrf': '1' };
    let text = '';
    for (let ask = 0; ask < 2; ask++) {
      const decided = stack.server.stats().settledAnswers.decided;
      text = await (await fetch(url, { headers })).text();
      await waitFor(() => stack.server.stats().settledAnswers.decided > decided, 1000);
    }
    const hits = stack.server.stats().settledAnswers.hit;
    const second = await fetch(url, { headers });
    expect(await second.text()).toBe(text);
    expect(stack.server.stats().settledAnswers.hit).toBe(hits + 1);
    const withoutCsrf = await fetch(url, { headers: { accept: 'application/json', 'x-api-key': DEMO_API_KEY } });
    expect(withoutCsrf.status).toBe(403);
  });
});

describe('what is never answered from memory', () => {
  it('an answer with a live call', async () => {
    const { hit } = await twice(pageBody(['CAfast1', 'CAfastlive']));
    expect(hit).toBe(false);
    expect(stack.sim.stats.bySid.get('CAfastlive')).toBe(3);
  });

  it('an answer with an unknown call (null) or an error', async () => {
    expect((await twice(pageBody(['CAfast1', 'CAfastnobody']))).hit).toBe(false);
    expect((await twice(pageBody(['CAfast1', 'bad sid!']))).hit).toBe(false);
    expect(stack.sim.stats.bySid.get('CAfastnobody')).toBe(3);
  });

  it('an answer without any call', async () => {
    expect((await twice(JSON.stringify({ query: '{ __typename }' }))).hit).toBe(false);
  });

  it('a subscription over SSE', async () => {
    const before = stack.server.stats().settledAnswers.miss;
    const response = await post(JSON.stringify({ query: 'subscription { callUpdates(sid: "CAfast1") { sid status } }' }), { accept: 'text/event-stream' });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    await response.text();
    expect(stack.server.stats().settledAnswers.miss).toBe(before);
  });
});

describe('what a request must pass still applies to a held answer', () => {
  it('CORS: an unlisted origin gets no CORS headers, a listed one its own', async () => {
    const body = pageBody(['CAfast2', 'CAfast3']);
    expect((await twice(body)).hit).toBe(true);
    const listed = await post(body, { origin: ALLOWED_ORIGIN });
    expect(listed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    const unlisted = await post(body, { origin: 'http://evil.example' });
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('CSRF: the same bytes as a simple text/plain POST are refused', async () => {
    const body = pageBody(['CAfast1', 'CAfast2']);
    expect((await twice(body)).hit).toBe(true);
    const simple = await post(body, { 'content-type': 'text/plain' });
    expect(simple.status).toBe(403);
  });

  it('the body limit: an oversized body is 413 before any lookup', async () => {
    const big = JSON.stringify({ query: PAGE, variables: { sids: FINALS }, pad: 'x'.repeat(1_100_000) });
    expect((await post(big)).status).toBe(413);
  });

  it('draining: a held answer closes its connection', async () => {
    const local = await startStack({});
    try {
      local.sim.setCall(DEMO_PROJECT_ID, 'CAfastdrain', { status: 'busy' });
      const body = JSON.stringify({ query: '{ call(sid: "CAfastdrain") { sid status } }' });
      const ask = () =>
        fetch(`${local.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY }, body });
      await (await ask()).text();
      await (await ask()).text();
      await waitFor(() => local.server.stats().settledAnswers.size > 0, 1000);
      expect(local.server.stats().settledAnswers.size).toBe(1);
      local.server.drain();
      const hits = local.server.stats().settledAnswers.hit;
      const drained = await ask();
      expect(drained.status).toBe(200);
      expect(drained.headers.get('connection')).toBe('close');
      expect(local.server.stats().settledAnswers.hit).toBe(hits + 1);
    } finally {
      await local.close();
    }
  });

});


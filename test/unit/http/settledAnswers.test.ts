/**
 * The fast path for settled answers (http/settledAnswers.ts) on its own: SettledAnswers in
 * front of a small handler standing in for Yoga (it runs a real CallLoader over a fake
 * pipeline, tells SettledAnswers which loader served the request, and writes the answer the
 * way the test asks), with a fake SettledCallSource saying how long each call stays cached.
 * It needs Node's IncomingMessage and ServerResponse, so a node:http server on 127.0.0.1 is
 * created here, in process. Checked: when an answer is kept (second ask) and answered from
 * memory (third); which answers may be kept; how long (never past the earliest `settledUntil`
 * of its calls, which for a COMPLETED call without recordings is its 60 s cache entry); what
 * the key is made of; what passes through untouched; the stats. Over HTTP with Yoga and the
 * simulator: test/integration/http/settledAnswers.test.ts.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import { CallLoader } from '../../../src/fetch/callLoader.js';
import type { FetchCall } from '../../../src/fetch/fetchCall.js';
import { CallStore } from '../../../src/fetch/callStore.js';
import { type Credential, credentialFrom, makeCredential } from '../../../src/identity/credential.js';
import type { CallKey } from '../../../src/identity/keys.js';
import { MAX_KEYED_BODY_BYTES, SettledAnswers, type SettledCallSource } from '../../../src/http/settledAnswers.js';
import { mappedCall } from '../../support/callFixtures.js';
import { waitUntil } from '../../support/sse.js';

const CSRF_HEADER = 'x-graphql-csrf';
const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef.mp3';

/** How the stand-in for Yoga answers (a request says which in its body or query). */
type Mode = 'json' | 'status400' | 'text' | 'withErrors' | 'twoWrites' | 'noLoader' | 'hideErrors';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Harness {
  answers: SettledAnswers;
  /** requests that reached the stand-in for Yoga */
  handled(): number;
  ask(options?: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<Answer>;
  /** asks, then waits until SettledAnswers has decided whether to keep the answer (a request it considers and does not answer from memory) */
  askDecided(options?: Parameters<Harness['ask']>[0]): Promise<Answer>;
  /** asks three times (the first two decided on): the third is the first that can be answered from memory */
  thrice(options?: Parameters<Harness['ask']>[0]): Promise<Answer>;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const post = (sids: string[], mode: Mode = 'json', extra = '') => JSON.stringify({ sids, mode }) + extra;
const BASE_HEADERS = { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': 'key-a' };

/**
 * @param calls what the fake pipeline answers per sid (absent: null, the call is unknown; 'fail': it rejects)
 * @param settled the SettledCallSource (default: every call stays cached 60 s from the moment it is asked)
 */
async function harness({
  calls = new Map<string, Call | 'fail'>(),
  settled = { settledUntil: () => Date.now() + 60_000 } as SettledCallSource,
  fetchCall,
  serviceCredential,
}: {
  calls?: Map<string, Call | 'fail'>;
  settled?: SettledCallSource;
  fetchCall?: FetchCall;
  serviceCredential?: Credential;
} = {}): Promise<Harness> {
  const answers = new SettledAnswers({ calls: settled, serviceCredential, csrfHeader: CSRF_HEADER });
  let handled = 0;
  const pipeline: FetchCall =
    fetchCall ??
    (async (key) => {
      const call = calls.get(key.address.sid);
      if (call === 'fail') throw new Error(`${key.address.sid} failed`);
      return call ?? null;
    });

  const yoga = async (req: IncomingMessage, res: ServerResponse) => {
    handled++;
    const body = (req as IncomingMessage & { body?: Buffer }).body ?? (await readAll(req));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const asked = req.method === 'GET' ? { sids: (url.searchParams.get('sids') ?? '').split(',').filter(Boolean), mode: url.searchParams.get('mode') ?? 'json' } : (JSON.parse(body.toString() || '{}') as { sids?: string[]; mode?: Mode });
    const credential = credentialFrom({ get: (name) => (req.headers[name] as string | undefined) ?? null }, serviceCredential);
    if (!credential) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errors":[{"message":"no credential"}]}');
      return;
    }
    const loader = new CallLoader({ credential, maxCalls: 100, fetchCall: pipeline });
    if (asked.mode !== 'noLoader') answers.observe(req, loader);
    const results = await Promise.allSettled((asked.sids ?? []).map((sid) => loader.load({ projectId: 'p', sid })));
    const data = { calls: results.map((result) => (result.status === 'fulfilled' ? result.value : null)) };
    const failed = results.some((result) => result.status === 'rejected');
    const json = JSON.stringify(asked.mode === 'withErrors' || (failed && asked.mode !== 'hideErrors') ? { data, errors: [{ message: 'failed' }] } : { data });
    switch (asked.mode) {
      case 'status400':
        res.writeHead(400, { 'content-type': 'application/json' }).end(json);
        return;
      case 'text':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(json);
        return;
      case 'twoWrites':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(json.slice(0, 5));
        res.end(json.slice(5));
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-request-only': 'not replayed' }).end(json);
    }
  };

  // A failure of the stand-in is the test's own: answered 500 so that no test waits for it.
  const next = (req: IncomingMessage, res: ServerResponse) => void yoga(req, res).catch(() => res.writeHead(500).end());
  const server = createServer((req, res) => answers.handle(req, res, next));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const ask: Harness['ask'] = ({ method = 'POST', path = '/graphql', headers = BASE_HEADERS, body = method === 'POST' ? post(['CA1']) : undefined } = {}) =>
    new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const askDecided: Harness['askDecided'] = async (options) => {
    const decided = answers.stats.decided;
    const answer = await ask(options);
    await waitUntil(() => answers.stats.decided > decided, 'the answer was decided on');
    return answer;
  };

  const thrice: Harness['thrice'] = async (options) => {
    await askDecided(options);
    await askDecided(options);
    return ask(options);
  };

  return { answers, handled: () => handled, ask, askDecided, thrice };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const finals = (...sids: string[]) => new Map<string, Call | 'fail'>(sids.map((sid) => [sid, mappedCall({ sid })]));

describe('when an answer is kept and answered from memory', () => {
  it('kept at the second ask, answered from memory at the third, byte for byte, with its content type only', async () => {
    const { answers, handled, askDecided, ask } = await harness({ calls: finals('CA1') });
    const first = await askDecided();
    expect(answers.stats).toEqual({ hit: 0, miss: 1, stored: 0, size: 0, decided: 1 });
    const second = await askDecided();
    expect(answers.stats).toEqual({ hit: 0, miss: 2, stored: 1, size: 1, decided: 2 });
    expect(handled()).toBe(2);

    const third = await ask();
    expect(handled()).toBe(2);
    expect(third.status).toBe(200);
    expect(third.body).toBe(second.body);
    expect(third.body).toBe(first.body);
    expect(third.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(third.headers['content-length']).toBe(String(Buffer.byteLength(second.body)));
    // Headers of the moment or of the connection are not replayed.
    expect(second.headers['x-request-only']).toBe('not replayed');
    expect(third.headers['x-request-only']).toBeUndefined();
    expect(answers.stats).toEqual({ hit: 1, miss: 2, stored: 1, size: 1, decided: 2 });
  });

  it('GET requests are considered too, keyed by their URL', async () => {
    const { answers, handled, thrice } = await harness({ calls: finals('CA1', 'CA2') });
    const get = { method: 'GET', path: '/graphql?sids=CA1,CA2', headers: { accept: 'application/json', 'x-api-key': 'key-a', [CSRF_HEADER]: '1' } };
    const third = await thrice(get);
    expect(JSON.parse(third.body)).toMatchObject({ data: { calls: [{ sid: 'CA1' }, { sid: 'CA2' }] } });
    expect(handled()).toBe(2);
    expect(answers.stats.hit).toBe(1);
  });

  it('a request without credential headers is keyed by the service credential', async () => {
    const { handled, thrice, ask } = await harness({ calls: finals('CA1'), serviceCredential: makeCredential(undefined, 'service-key') as Credential });
    const anonymous = { headers: { 'content-type': 'application/json', accept: 'application/json' } };
    await thrice(anonymous);
    expect(handled()).toBe(2);
    // Sending the service key itself is the same credential, hence the same request.
    await ask({ headers: { ...anonymous.headers, 'x-api-key': 'service-key' } });
    expect(handled()).toBe(2);
  });
});

describe('which answers are kept', () => {
  it.each<[string, Mode, string[], Map<string, Call | 'fail'>]>([
    ['a status other than 200', 'status400', ['CA1'], finals('CA1')],
    ['a 200 that is not JSON', 'text', ['CA1'], finals('CA1')],
    ['a 200 JSON with "errors"', 'withErrors', ['CA1'], finals('CA1')],
    ['an answer written in more than one chunk', 'twoWrites', ['CA1'], finals('CA1')],
    ['an answer whose loader SettledAnswers was never told of', 'noLoader', ['CA1'], finals('CA1')],
    ['an answer made of no call at all', 'json', [], finals('CA1')],
    ['an answer with an unknown call (null)', 'json', ['CA1', 'CAunknown'], finals('CA1')],
    ['an answer whose loader saw a call fail, though no error was written', 'hideErrors', ['CA1', 'CAfail'], new Map([...finals('CA1'), ['CAfail', 'fail']])],
  ])('not %s', async (_label, mode, sids, calls) => {
    const { answers, handled, thrice } = await harness({ calls });
    await thrice({ body: post(sids, mode) });
    expect(handled()).toBe(3);
    expect(answers.stats).toMatchObject({ hit: 0, miss: 3, stored: 0, size: 0 });
  });
});

describe('how long an answer is kept', () => {
  it('not at all when any of its calls is not what the cache holds, or leaves it before now: the earliest call decides', async () => {
    const until = new Map<string, number | undefined>([
      ['CAlong', Date.now() + 3600_000],
      ['CAgone', Date.now() - 1],
      ['CAnotheld', undefined],
    ]);
    const asked: string[] = [];
    const settled: SettledCallSource = {
      settledUntil: (key) => {
        asked.push(key.address.sid);
        return until.get(key.address.sid);
      },
    };
    const { answers, handled, thrice } = await harness({ calls: finals('CAlong', 'CAgone', 'CAnotheld'), settled });
    for (const sids of [['CAlong', 'CAgone'], ['CAnotheld', 'CAlong'], ['CAlong']]) await thrice({ body: post(sids) });
    // Only the page of long-lived calls was kept (and answered from memory at its third ask).
    expect(handled()).toBe(8);
    expect(answers.stats).toMatchObject({ stored: 1, hit: 1 });
    expect(asked).toContain('CAgone');
  });

  it('asks the source about the very call objects the loader answered', async () => {
    const calls = finals('CA1');
    const seen: Array<[CallKey, Call]> = [];
    const { askDecided } = await harness({
      calls,
      settled: {
        settledUntil: (key, call) => {
          seen.push([key, call]);
          return Date.now() + 60_000;
        },
      },
    });
    await askDecided();
    await askDecided();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[1]).toBe(calls.get('CA1'));
    expect(seen[0]?.[0].address).toEqual({ projectId: 'p', sid: 'CA1' });
  });

  it('no longer than its calls stay cached: once that moment has passed, the request runs again', async () => {
    // The source says 100 ms from when it is asked, i.e. when the answer is kept.
    const { answers, handled, askDecided, ask } = await harness({ calls: finals('CA1'), settled: { settledUntil: () => Date.now() + 100 } });
    await askDecided();
    await askDecided();
    const keptAt = Date.now();
    expect(answers.stats.stored).toBe(1);
    // Waiting only for an expiry to have passed, with a margin for lru-cache's 1 ms clock resolution.
    await waitUntil(() => Date.now() > keptAt + 150, 'the kept answer expired');
    await ask();
    expect(handled()).toBe(3);
    expect(answers.stats.hit).toBe(0);
  });

  it('a COMPLETED call without recordings holds an answer no longer than its 60 s cache entry; one with recordings, as long as its entry', async () => {
    // The cache of final calls itself (callStore.ts) as the source, with CACHE_TTL_SECONDS
    // 3600 and a clock 61 s behind the wall clock SettledAnswers reads: an entry made now of a
    // call without recordings (60 s) ends, for SettledAnswers, a second ago; one of a call with
    // recordings (3600 s) ends in 59 minutes.
    const memory = new CallStore({ ttlSeconds: 3600, now: () => Date.now() - 61_000, staleSeconds: 0, maxBytes: 64 * 1024 * 1024 });
    const completed = (sid: string, recorded: boolean) =>
      mappedCall({ sid, status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 30, cost: 0.1, recordings: recorded ? [{ url: RECORDING, sid: null, format: 'MP3' }] : [] });
    const below: FetchCall = async (key) => completed(key.address.sid, key.address.sid === 'CArecorded');
    const { answers, handled, thrice } = await harness({ fetchCall: memory.layer(below), settled: memory });

    await thrice({ body: post(['CAunrecorded']) });
    expect(handled()).toBe(3);
    expect(answers.stats.stored).toBe(0);

    await thrice({ body: post(['CArecorded']) });
    expect(handled()).toBe(5);
    expect(answers.stats).toMatchObject({ stored: 1, hit: 1 });
    // Both calls are held by the cache all along: only how long an answer made of them may live differs.
    expect(memory.stats).toMatchObject({ size: 2, miss: 2 });
  });
});

describe('the key: the exact request', () => {
  const base = { headers: { ...BASE_HEADERS, [CSRF_HEADER]: 'a' }, body: post(['CA1']) };

  it.each<[string, { method?: string; path?: string; headers?: Record<string, string>; body?: string }]>([
    ['another credential', { ...base, headers: { ...base.headers, 'x-api-key': 'key-b' } }],
    ['the same api key with an Authorization beside it', { ...base, headers: { ...base.headers, authorization: 'Bearer t' } }],
    ['another URL', { ...base, path: '/graphql?x=1' }],
    ['another Accept', { ...base, headers: { ...base.headers, accept: 'application/graphql-response+json' } }],
    ['another Content-Type', { ...base, headers: { ...base.headers, 'content-type': 'application/json; charset=utf-8' } }],
    ['no CSRF header', { ...base, headers: BASE_HEADERS }],
    ['one more byte of body', { ...base, body: post(['CA1'], 'json', ' ') }],
  ])('%s is another request', async (_label, variant) => {
    const { handled, thrice, ask } = await harness({ calls: finals('CA1') });
    await thrice(base);
    expect(handled()).toBe(2);
    await ask(variant);
    expect(handled()).toBe(3);
    // The request kept is still answered from memory.
    await ask(base);
    expect(handled()).toBe(3);
  });

  it('the CSRF header counts by its presence, not its value', async () => {
    const { handled, thrice, ask } = await harness({ calls: finals('CA1') });
    await thrice(base);
    await ask({ ...base, headers: { ...base.headers, [CSRF_HEADER]: 'b' } });
    expect(handled()).toBe(2);
  });
});

describe('what passes through untouched (not counted, never kept)', () => {
  it.each<[string, { method?: string; headers?: Record<string, string>; body?: string }]>([
    ['a PUT', { method: 'PUT' }],
    ['a DELETE', { method: 'DELETE', body: '' }],
    ['an SSE request', { headers: { ...BASE_HEADERS, accept: 'text/event-stream' } }],
    ['a multipart request', { headers: { ...BASE_HEADERS, accept: 'multipart/mixed; deferSpec=20220824' } }],
    ['a POST that is not JSON', { headers: { ...BASE_HEADERS, 'content-type': 'text/plain' } }],
    ['a body over MAX_KEYED_BODY_BYTES', { body: post(['CA1'], 'json', ' '.repeat(MAX_KEYED_BODY_BYTES)) }],
    ['a request without any credential (and no service key)', { headers: { 'content-type': 'application/json', accept: 'application/json' } }],
  ])('%s', async (_label, options) => {
    const { answers, handled, ask } = await harness({ calls: finals('CA1') });
    for (let i = 0; i < 3; i++) await ask({ body: post(['CA1']), ...options });
    expect(handled()).toBe(3);
    expect(answers.stats).toEqual({ hit: 0, miss: 0, stored: 0, size: 0, decided: 0 });
  });

  it('a body of exactly MAX_KEYED_BODY_BYTES is still considered', async () => {
    const { answers, askDecided } = await harness({ calls: finals('CA1') });
    const body = post(['CA1']);
    await askDecided({ body: body + ' '.repeat(MAX_KEYED_BODY_BYTES - Buffer.byteLength(body)) });
    expect(answers.stats.miss).toBe(1);
  });
});

/**
 * Hostile input and upstream faults: every limit of the contract rejects with its status and
 * code before anything executes (no upstream request), faults stay on their own field within
 * bounded time, and no credential ever reaches a response or a log line.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging/logger.js';
import { DEMO_API_KEY, DEMO_CALLS, DEMO_PROJECT_ID } from '../src/simulator/index.js';
import { codesOf, startStack, type Stack } from './support/stack.js';

const sids = DEMO_CALLS.map((call) => call.sid);
const first = sids[0] as string;

async function post(stack: Stack, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as { errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

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

describe('operation limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { maxDepth: 2, maxAliases: 3, maxTokens: 120 } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sim.resetStats());

  const expectRejected = async (query: string, pattern: RegExp) => {
    const response = await post(stack, JSON.stringify({ query }));
    expect(response.status).toBe(400);
    const body = response.json();
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toMatch(pattern);
    expect(stack.sim.stats.requests).toBe(0);
  };

  it('MAX_DEPTH: rejects an operation deeper than the limit, counting fragments by content', async () => {
    await expectRejected(`{ call(sid: "${first}") { shift { shiftId } } }`, /3 levels deep; at most 2 .*MAX_DEPTH/);
    await expectRejected(
      `{ call(sid: "${first}") { ...A } } fragment A on Call { shift { ...B } } fragment B on ShiftData { shiftId }`,
      /3 levels deep/,
    );
  });

  it('MAX_DEPTH: fragment spreads and inline fragments are not levels', async () => {
    const response = await post(
      stack,
      JSON.stringify({ query: `{ call(sid: "${first}") { ...A ... on Call { ...B } } } fragment A on Call { sid } fragment B on Call { status }` }),
    );
    expect(response.status).toBe(200);
    expect(response.json().errors).toBeUndefined();
  });

  it('MAX_ALIASES: counts aliases in fragments each time they are spread', async () => {
    await expectRejected(`{ a: call(sid: "${first}") { sid } b: call(sid: "${first}") { sid } c: call(sid: "${first}") { sid } d: call(sid: "${first}") { sid } }`, /4 aliases; at most 3 .*MAX_ALIASES/);
    await expectRejected(
      `{ x: call(sid: "${first}") { ...F } y: call(sid: "${first}") { ...F } } fragment F on Call { s: sid }`,
      /4 aliases/,
    );
  });

  it('MAX_TOKENS: rejects a document with too many tokens before parsing it all', async () => {
    await expectRejected(`{ call(sid: "${first}") { ${'sid '.repeat(150)} } }`, /more than 120 tokens .*MAX_TOKENS/);
  });

  it('rejects cyclic introspection (graphql\'s own rule) with the same status and code', async () => {
    await expectRejected(
      '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
      /introspection depth/,
    );
  });

  it('lets GraphiQL\'s full introspection query through even with MAX_DEPTH 2', async () => {
    const big = await startStack({ config: { maxDepth: 2 } });
    try {
      const response = await post(big, JSON.stringify({ query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }) }));
      expect(response.status).toBe(200);
      expect(response.json().errors).toBeUndefined();
    } finally {
      await big.close();
    }
  });

  it('answers any invalid operation 400, whatever the client accepts', async () => {
    const response = await post(stack, JSON.stringify({ query: `{ call(sid: "${first}") { nope } }` }), { accept: 'application/json' });
    expect(response.status).toBe(400);
    expect(response.json().errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('HTTP limits and request shapes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { maxBodyBytes: 2048 } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sim.resetStats());

  it('MAX_BODY_BYTES: 413 for a declared body over the limit', async () => {
    const response = await post(stack, JSON.stringify({ query: `{ call(sid: "${first}") { sid } }`, pad: 'x'.repeat(3000) }));
    expect(response.status).toBe(413);
    expect(response.text).toContain('MAX_BODY_BYTES');
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('MAX_BODY_BYTES: 413 for a chunked body that grows over the limit; a small chunked body works', async () => {
    const big = await postChunked(stack.url, ['{"query":"{ __typename }","pad":"', 'x'.repeat(1500), 'x'.repeat(1500), '"}']);
    expect(big.status).toBe(413);
    const small = await postChunked(stack.url, ['{"query":"{ call(sid: \\"', first, '\\") { sid } }"}']);
    expect(small.status).toBe(200);
    expect(JSON.parse(small.text)).toEqual({ data: { call: { sid: first } } });
  });

  it('a malformed or repeated Content-Length is refused with 400 before anything runs (Yoga\'s own body limit is off)', async () => {
    const statusLine = (contentLength: string) =>
      new Promise<string>((resolve, reject) => {
        const port = Number(new URL(stack.url).port);
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n{}`),
        );
        socket.once('data', (data) => {
          resolve(data.toString().split('\r\n')[0] ?? '');
          socket.destroy();
        });
        socket.once('error', reject);
      });
    for (const value of ['abc', '-1', '2\r\nContent-Length: 7']) expect(await statusLine(value)).toBe('HTTP/1.1 400 Bad Request');
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('414 for a URL over 8 KiB', async () => {
    const response = await fetch(`${stack.url}/graphql?query=${'a'.repeat(9000)}`, { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(414);
  });

  it('invalid JSON and malformed variables are 400 with no upstream request', async () => {
    expect((await post(stack, '{"query": ')).status).toBe(400);
    const badVariables = await post(stack, JSON.stringify({ query: 'query ($s: ID!) { call(sid: $s) { sid } }', variables: { s: { not: 'an id' } } }));
    expect(badVariables.status).toBe(400);
    const missingVariable = await post(stack, JSON.stringify({ query: 'query ($s: ID!) { call(sid: $s) { sid } }' }));
    expect(missingVariable.status).toBe(400);
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('wrong content types: a CSRF-able one without the header is 403, an unknown one 415', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    expect((await post(stack, body, { 'content-type': 'text/plain' })).status).toBe(403);
    expect((await post(stack, body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(403);
    expect((await post(stack, body, { 'content-type': 'multipart/form-data; boundary=x' })).status).toBe(403);
    expect((await post(stack, '<q/>', { 'content-type': 'application/xml' })).status).toBe(415);
  });
});

describe('CSRF prevention', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const query = encodeURIComponent('{ __typename }');

  it('refuses a GET without the header and without a JSON content type (403)', async () => {
    const response = await fetch(`${stack.url}/graphql?query=${query}`);
    expect(response.status).toBe(403);
  });

  it('accepts a GET with the header, or with a JSON content type', async () => {
    expect((await fetch(`${stack.url}/graphql?query=${query}`, { headers: { 'x-graphql-yoga-csrf': 'any' } })).status).toBe(200);
    expect((await fetch(`${stack.url}/graphql?query=${query}`, { headers: { 'content-type': 'application/json' } })).status).toBe(200);
  });

  it('keeps GraphiQL working: the page renders and its JSON POSTs pass', async () => {
    const page = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('YogaGraphiQL');
    const response = await post(stack, JSON.stringify({ query: '{ __typename }' }));
    expect(response.status).toBe(200);
  });
});

describe('GRAPHQL_INTROSPECTION', () => {
  it('false: refuses __schema and __type, hides field suggestions, keeps __typename and _service', async () => {
    const stack = await startStack({ config: { introspection: false } });
    try {
      for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Call") { name } }']) {
        const response = await post(stack, JSON.stringify({ query }));
        expect(response.status).toBe(400);
        expect(response.json().errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      }
      const typo = await post(stack, JSON.stringify({ query: `{ call(sid: "${first}") { statu } }` }));
      expect(typo.json().errors?.[0]?.message).toBe('Cannot query field "statu" on type "Call".');
      const allowed = await post(stack, JSON.stringify({ query: '{ __typename _service { sdl } }' }));
      expect(allowed.status).toBe(200);
      expect(allowed.text).toContain('@key(fields: \\"projectId sid\\")');
    } finally {
      await stack.close();
    }
  });

  it('true (default): suggestions help the user', async () => {
    const stack = await startStack();
    try {
      const typo = await post(stack, JSON.stringify({ query: `{ call(sid: "${first}") { statu } }` }));
      expect(typo.json().errors?.[0]?.message).toMatch(/Did you mean "status"/);
    } finally {
      await stack.close();
    }
  });
});

describe('MAX_CALLS_PER_REQUEST across call, calls, aliases and _entities', () => {
  it('counts distinct calls of the whole operation together', async () => {
    const stack = await startStack({ config: { maxCallsPerRequest: 4 } });
    try {
      const [a, b, c, d, e, f] = sids;
      const response = await stack.gql<{
        one: unknown;
        two: unknown;
        page: unknown[];
        _entities: unknown[];
      }>(
        `query ($reps: [_Any!]!) {
          one: call(sid: "${a}") { sid }
          two: call(sid: "${b}") { sid }
          page: calls(sids: ["${a}", "${c}"]) { sid }
          _entities(representations: $reps) { ... on Call { sid } }
        }`,
        { reps: [d, e, f, a].map((sid) => ({ __typename: 'Call', projectId: DEMO_PROJECT_ID, sid })) },
      );
      // a, b, c, d are the first four distinct calls asked for; e and f are past the cap.
      expect(stack.sim.stats.requests).toBe(4);
      expect(codesOf(response).filter((code) => code === 'TOO_MANY_CALLS')).toHaveLength(2);
      expect(response.body.data?._entities.filter((entity) => entity === null)).toHaveLength(2);
    } finally {
      await stack.close();
    }
  });
});

describe('upstream faults, one operation', () => {
  it('each fault gets its code on its own field, good fields resolve, within bounded time', async () => {
    const timeoutMs = 200;
    const retries = 1;
    const stack = await startStack({ config: { upstreamTimeoutMs: timeoutMs, upstreamRetries: retries } });
    try {
      const { sim } = stack;
      const faults = {
        always500: { type: 'status', status: 500 },
        rateLimited: { type: 'status', status: 429, headers: { 'retry-after': '0' } },
        hang: { type: 'hang' },
        notJson: { type: 'raw', body: '<html>oops</html>', contentType: 'text/html' },
        notObject: { type: 'raw', body: '[1,2]' },
        reset: { type: 'reset' },
      } as const;
      for (const [sid, fault] of Object.entries(faults)) sim.injectFault(sid, fault);
      sim.injectFault('once503', { type: 'status', status: 503, times: 1 });
      sim.setCall(DEMO_PROJECT_ID, 'once503', { status: 'completed' });
      sim.setCall(DEMO_PROJECT_ID, 'oddStatus', { status: 'on-hold' });
      sim.setCall(DEMO_PROJECT_ID, 'wrongTypes', { status: 'busy', seconds: 'ten', cost: {}, from: 12, recordingUrls: 'x', data: 'y' });

      const names = [...Object.keys(faults), 'once503', 'oddStatus', 'wrongTypes', first];
      const query = `{ ${names.map((sid, i) => `f${i}: call(sid: "${sid}") { sid status durationSeconds cost from recordings { url } data }`).join(' ')} }`;
      const started = Date.now();
      const response = await stack.gql<Record<string, { status: string } | null>>(query);
      const elapsed = Date.now() - started;

      const codeAt = (i: number) => response.body.errors?.find((error) => error.path?.[0] === `f${i}`)?.extensions?.code;
      expect([0, 1, 2, 3, 4, 5].map(codeAt)).toEqual([
        'UPSTREAM_ERROR',
        'RATE_LIMITED',
        'UPSTREAM_TIMEOUT',
        'UPSTREAM_BAD_RESPONSE',
        'UPSTREAM_BAD_RESPONSE',
        'UPSTREAM_ERROR',
      ]);
      expect(response.body.data?.['f6']).toMatchObject({ status: 'COMPLETED' });
      expect(response.body.data?.['f7']).toMatchObject({ status: 'UNKNOWN' });
      expect(response.body.data?.['f8']).toEqual({ sid: 'wrongTypes', status: 'BUSY', durationSeconds: null, cost: null, from: null, recordings: [], data: {} });
      expect(response.body.data?.['f9']).toMatchObject({ sid: first, status: 'COMPLETED' });
      // Tries: retried faults twice, 4xx-free bad bodies once.
      expect(sim.stats.bySid.get('always500')).toBe(1 + retries);
      expect(sim.stats.bySid.get('hang')).toBe(1 + retries);
      expect(sim.stats.bySid.get('notJson')).toBe(1);
      // Bounded: UPSTREAM_TIMEOUT_MS × tries + backoff (100 ms), with slack for a shared machine.
      expect(elapsed).toBeLessThan(timeoutMs * (1 + retries) + 100 + 1500);
    } finally {
      await stack.close();
    }
  });
});

describe('credential safety', () => {
  const SENTINEL = 'SENTINEL-9f1c2e7a-KEY';

  it('no response body, error message or log line ever contains the credential', async () => {
    const stack = await startStack({ defaultHeaders: { 'x-api-key': SENTINEL } });
    try {
      const { sim } = stack;
      sim.addAccount('sentinel', { apiKeys: [SENTINEL], seedDemo: true });
      sim.injectFault('f500', { type: 'status', status: 500 });
      sim.injectFault('f429', { type: 'status', status: 429, headers: { 'retry-after': '0' } });
      sim.injectFault('f403', { type: 'status', status: 403, body: { error: `forbidden for ${SENTINEL}` } });
      sim.injectFault('fbad', { type: 'raw', body: `not json ${SENTINEL}` });
      sim.injectFault('freset', { type: 'reset' });
      const bodies: string[] = [];
      const query = `{ a: call(sid: "f500") { sid } b: call(sid: "f429") { sid } c: call(sid: "f403") { sid } d: call(sid: "fbad") { sid } e: call(sid: "freset") { sid } f: call(sid: "${first}") { sid } g: call(sid: "bad sid") { sid } }`;
      bodies.push(JSON.stringify((await stack.gql(query)).body));
      bodies.push(JSON.stringify((await stack.gql(query, undefined, { authorization: `Bearer ${SENTINEL}` })).body));
      bodies.push((await post(stack, '{"query": "{ call(', { 'x-api-key': SENTINEL })).text);
      bodies.push((await post(stack, JSON.stringify({ query: '{ nope }' }), { 'x-api-key': SENTINEL })).text);
      // An unknown key (upstream 401)
      bodies.push(JSON.stringify((await stack.gql(`{ call(sid: "${first}") { sid } }`, undefined, { 'x-api-key': `${SENTINEL}-unknown` })).body));

      for (const body of bodies) expect(body).not.toContain(SENTINEL);
      // Logging happened (upstream failures are logged for operators), without the key.
      expect(stack.logs.some((line) => line.includes('"code":"UPSTREAM_ERROR"'))).toBe(true);
      for (const line of stack.logs) expect(line).not.toContain(SENTINEL);
    } finally {
      await stack.close();
    }
  });

  it('the logger redacts credential headers should any code log them', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    logger.info({ headers: { authorization: `Bearer ${SENTINEL}`, 'x-api-key': SENTINEL } }, 'request');
    logger.info({ request: { headers: { authorization: SENTINEL, 'x-api-key': SENTINEL } } }, 'nested');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(SENTINEL);
      expect(line).toContain('[redacted]');
    }
  });
});

describe('an _entities entry that fails before one of an unknown type', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  // @apollo/subgraph throws for the unknown __typename after it has made the promises of the
  // entries before it, which nobody then awaits: a rejection among them must not be
  // "unhandled" (it ended the process; vitest fails the run on one).
  it.each([
    ['a sid that is a list', '{__typename: "Call", sid: ["x"]}'],
    ['an empty projectId', '{__typename: "Call", sid: "CA1", projectId: ""}'],
    ['a malformed sid', '{__typename: "Call", sid: "bad sid"}'],
  ])('%s: the field fails, the server goes on', async (_label, entry) => {
    const answer = await stack.gql(`{ _entities(representations: [${entry}, {__typename: "Nope"}]) { __typename } }`);
    expect(codesOf(answer)).toEqual(['BAD_USER_INPUT']);
    // Give a stray rejection its turn to surface before checking the server still answers.
    await new Promise((resolve) => setImmediate(resolve));
    const after = await stack.gql(`{ call(sid: "${DEMO_CALLS[0]?.sid}") { sid } }`);
    expect(after.body.data).toEqual({ call: { sid: DEMO_CALLS[0]?.sid } });
  });
});

/**
 * PERSISTED_OPERATIONS_ONLY (trusted documents), over real HTTP and WebSocket against the
 * simulator: only the documents of the manifest run, asked by hash (`documentId` or Apollo's
 * `extensions.persistedQuery`); anything else is HTTP 400 `PERSISTED_QUERY_NOT_FOUND` with no
 * upstream request; `_service` stays open for composition; limits and the fast path for
 * settled answers behave as for any request; GraphiQL is not served; hostile ids are refused
 * cheaply; off, nothing changes. The manifest is one this file writes, in the client preset's
 * format (`"sha256:<hex>"` keys). (Reading and verifying the manifest:
 * unit/config/startup.test.ts; a real start with one: integration/lifecycle/startup.test.ts; the
 * example of docs/security.md: integration/docs/readmeExamples.test.ts.)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { WsConnection, wsUrlOf } from '../../support/graphqlWsClient.js';
import { type ExecutionPayload, SseSubscription } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const PAGE = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status durationSeconds } }';
const CALL = 'query Call($sid: ID!) { call(sid: $sid) { sid status } }';
const ALIASED = 'query Aliased($sid: ID!) { a: call(sid: $sid) { sid } b: call(sid: $sid) { sid } c: call(sid: $sid) { sid } }';
const WATCH = 'subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status isFinal } }';
const ENTITIES = 'query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Call { sid status } } }';

const idOf = (document: string) => `sha256:${sha256(document)}`;

const SIDS = ['CAtrusted1', 'CAtrusted2', 'CAtrusted3'];
const completed = { status: 'completed', seconds: 42, cost: 0.02 };
const KEY = { 'x-api-key': DEMO_API_KEY };
const CSRF = { 'x-graphql-yoga-csrf': '1' };

const directory = mkdtempSync(join(tmpdir(), 'trusted-documents-'));
const manifestFile = join(directory, 'persisted-documents.json');
writeFileSync(
  manifestFile,
  JSON.stringify({
    [idOf(PAGE)]: PAGE,
    // A plain hex key (older client presets, hand-made manifests) is read as well.
    [sha256(CALL)]: CALL,
    [idOf(ALIASED)]: ALIASED,
    [idOf(WATCH)]: WATCH,
    [idOf(ENTITIES)]: ENTITIES,
  }),
);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Answer {
  status: number;
  text: string;
  body: ExecutionPayload & { data?: Record<string, unknown> | null };
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Answer['body'] };
}

const post = async (stack: Stack, body: unknown): Promise<Answer> =>
  answerOf(
    await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...KEY },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );

const get = async (stack: Stack, search: Record<string, string>): Promise<Answer> =>
  answerOf(await fetch(`${stack.url}/graphql?${new URLSearchParams(search)}`, { headers: { accept: 'application/json', ...KEY, ...CSRF } }));

const codes = (answer: Answer) => (answer.body.errors ?? []).map((error) => error.extensions?.code);

/** Refused as the contract says: 400, one PERSISTED_QUERY_NOT_FOUND, nothing executed. */
function expectRefused(answer: Answer): void {
  expect(answer.status, answer.text).toBe(400);
  expect(codes(answer)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  expect(answer.body.data).toBeUndefined();
}

describe('PERSISTED_OPERATIONS_ONLY=true', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      config: { persistedOperationsOnly: true, persistedDocumentsFile: manifestFile, maxAliases: 2, maxListEntries: 5 },
    });
    for (const sid of SIDS) stack.sim.setCall(DEMO_PROJECT_ID, sid, completed);
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sim.resetStats());

  let freshSids = 0;
  /** A completed call no earlier test fetched (so not cached): its fetch shows in the counters. */
  const freshCall = (): string => {
    const sid = `CAtrustedfresh${freshSids++}`;
    stack.sim.setCall(DEMO_PROJECT_ID, sid, completed);
    return sid;
  };

  describe('a trusted document asked by its hash runs', () => {
    it('by documentId, "sha256:<hex>" (the client preset) or "<hex>": one upstream request per call', async () => {
      const page = await post(stack, { documentId: idOf(PAGE), variables: { sids: SIDS.slice(0, 2) } });
      expect(page.status, page.text).toBe(200);
      expect(page.body.data?.['calls']).toEqual([
        { sid: SIDS[0], status: 'COMPLETED', durationSeconds: 42 },
        { sid: SIDS[1], status: 'COMPLETED', durationSeconds: 42 },
      ]);
      expect(stack.sim.stats.requests).toBe(2);
      expect([...stack.sim.stats.bySid.entries()].sort()).toEqual([
        [SIDS[0], 1],
        [SIDS[1], 1],
      ]);

      const sid = freshCall();
      for (const documentId of [sha256(CALL), idOf(CALL)]) {
        const call = await post(stack, { documentId, variables: { sid } });
        expect(call.status, call.text).toBe(200);
        expect(call.body.data?.['call']).toEqual({ sid, status: 'COMPLETED' });
      }
      // The first fetched it; the second was answered by the cache of final calls.
      expect(stack.sim.stats.bySid.get(sid)).toBe(1);
    });

    it('by extensions.persistedQuery (Apollo APQ, version 1)', async () => {
      const answer = await post(stack, {
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256(CALL) } },
        variables: { sid: 'CAtrustedapq' },
      });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toEqual({ data: { call: null } });
      expect(stack.sim.stats.bySid.get('CAtrustedapq')).toBe(1);
    });

    it('over GET, documentId= or extensions= in the query string', async () => {
      const variables = JSON.stringify({ sid: SIDS[0] });
      const byId = await get(stack, { documentId: idOf(CALL), variables });
      expect(byId.status, byId.text).toBe(200);
      expect(byId.body.data?.['call']).toEqual({ sid: SIDS[0], status: 'COMPLETED' });
      const byApq = await get(stack, { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(CALL) } }), variables });
      expect(byApq.status, byApq.text).toBe(200);
      expect(byApq.body).toEqual(byId.body);
    });

    it('_entities, when it is in the manifest', async () => {
      const representations = [{ __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAtrustedentity' }];
      const answer = await post(stack, { documentId: idOf(ENTITIES), variables: { representations } });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toEqual({ data: { _entities: [null] } });
      expect(stack.sim.stats.bySid.get('CAtrustedentity')).toBe(1);
    });
  });

  describe('anything else: HTTP 400 PERSISTED_QUERY_NOT_FOUND, no upstream request', () => {
    it.each([
      ['a query text', { query: '{ call(sid: "CAtrusted1") { sid } }' }],
      ['the very text of a trusted document', { query: CALL, variables: { sid: SIDS[0] } }],
      ['a text with its hash (an APQ client registering it)', { query: CALL, variables: { sid: SIDS[0] }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(CALL) } } }],
      ['_entities as text', { query: ENTITIES, variables: { representations: [{ __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: SIDS[0] }] } }],
      ['an unknown hash', { documentId: idOf('{ __typename }') }],
      ['an unknown APQ hash', { extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }],
      ['a malformed documentId', { documentId: 'Page' }],
      ['a documentId of the wrong digest length', { documentId: `sha256:${sha256(CALL).slice(1)}` }],
      ['an uppercase digest', { documentId: `sha256:${sha256(CALL).toUpperCase()}` }],
      ['another algorithm', { documentId: `sha1:${sha256(CALL)}` }],
      ['a documentId that is not a string', { documentId: { sha256: sha256(CALL) } }],
      ['an APQ version other than 1', { extensions: { persistedQuery: { version: 2, sha256Hash: sha256(CALL) } } }],
      ['no query and no hash', { variables: { sid: SIDS[0] } }],
      ['an empty query and no hash', { query: '' }],
      ['a body that is not an object', [{ documentId: idOf(CALL) }]],
    ])('%s', async (_name, body) => {
      const answer = await post(stack, body);
      if (Array.isArray(body)) {
        // Batching is off: Yoga refuses an array before any plugin runs.
        expect(answer.status).toBe(400);
      } else {
        expectRefused(answer);
      }
      expect(stack.sim.stats.requests).toBe(0);
    });

    it('a query text over GET, an unknown hash over GET', async () => {
      expectRefused(await get(stack, { query: CALL, variables: JSON.stringify({ sid: SIDS[0] }) }));
      expectRefused(await get(stack, { documentId: idOf('{ __typename }') }));
      expect(stack.sim.stats.requests).toBe(0);
    });

    it('is 400 for a client accepting application/graphql-response+json too', async () => {
      const response = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...KEY },
        body: JSON.stringify({ query: CALL, variables: { sid: SIDS[0] } }),
      });
      expectRefused(await answerOf(response));
    });

    it('says what to send instead, without echoing what was sent', async () => {
      const text = await post(stack, { query: '{ __typename }' });
      expect(text.body.errors?.[0]?.message).toMatch(/trusted documents only.*documentId/);
      const unknown = await post(stack, { documentId: idOf('{ __typename }') });
      expect(unknown.body.errors?.[0]?.message).toBe('No trusted document has this hash.');
      expect(unknown.text).not.toContain(sha256('{ __typename }'));
    });
  });

  it('does not serve GraphiQL: a browser gets a plain answer, and no assets', async () => {
    const page = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    const text = await page.text();
    expect(page.status).toBe(406);
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(text).not.toMatch(/graphiql/i);
    const asset = await fetch(`${stack.url}/graphiql/`);
    expect(asset.status).toBe(404);
  });

  describe('composition: _service stays allowed as a plain query', () => {
    it.each([
      ['{ _service { sdl } }'],
      ['query SubgraphIntrospectQuery { _service { sdl } }'],
      ['query __ApolloGetServiceDefinition__ { _service { sdl } }'],
      ['{ __typename _service { sdl } }'],
    ])('%s', async (query) => {
      const answer = await post(stack, { query });
      expect(answer.status, answer.text).toBe(200);
      expect((answer.body.data?.['_service'] as { sdl: string }).sdl).toContain('type Call');
    });

    it.each([
      ['with another root field', '{ _service { sdl } call(sid: "CAtrusted1") { sid } }'],
      ['with _entities', '{ _service { sdl } _entities(representations: []) { __typename } }'],
      ['through a fragment', '{ ...F } fragment F on Query { _service { sdl } call(sid: "CAtrusted1") { sid } }'],
      ['beside another operation', 'query A { _service { sdl } } query B { call(sid: "CAtrusted1") { sid } }'],
      ['as a subscription', 'subscription { _service { sdl } }'],
      ['padded past the length a composition query has', `{ _service { sdl } }${' '.repeat(600)}`],
    ])('but not %s', async (_name, query) => {
      expectRefused(await post(stack, { query, operationName: query.includes('query B') ? 'B' : undefined }));
      expect(stack.sim.stats.requests).toBe(0);
    });
  });

  it('applies the limits and budgets to trusted documents as to any other', async () => {
    // MAX_ALIASES=2: the trusted document uses 3. (A refused document is 200 for an
    // application/json client, limits/refusalStatus.ts; PERSISTED_QUERY_NOT_FOUND stays 400.)
    const aliased = await post(stack, { documentId: idOf(ALIASED), variables: { sid: SIDS[0] } });
    expect(aliased.status).toBe(200);
    expect(codes(aliased)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // MAX_LIST_ENTRIES=5.
    const flood = await post(stack, { documentId: idOf(PAGE), variables: { sids: Array(6).fill(SIDS[0]) } });
    expect(flood.status).toBe(200);
    expect(codes(flood)).toEqual(['BAD_USER_INPUT']);
    expect(stack.sim.stats.requests).toBe(0);
  });

  describe('the fast path for settled answers', () => {
    /** Posts `body` three times, each time once the fast path has decided about the last one. */
    async function thrice(body: string): Promise<Answer[]> {
      const answers: Answer[] = [];
      for (let i = 0; i < 3; i++) {
        const decided = stack.server.stats().settledAnswers.decided;
        const stored = stack.server.stats().settledAnswers.stored;
        const hits = stack.server.stats().settledAnswers.hit;
        answers.push(await post(stack, body));
        // Keeping is decided after the response has gone (a hit decides nothing).
        await expect.poll(() => stack.server.stats().settledAnswers.decided > decided || stack.server.stats().settledAnswers.hit > hits || stack.server.stats().settledAnswers.stored > stored).toBe(true);
      }
      return answers;
    }

    it('never keeps a refused request', async () => {
      const { stored, hit } = stack.server.stats().settledAnswers;
      const answers = await thrice(JSON.stringify({ query: PAGE, variables: { sids: SIDS } }));
      for (const answer of answers) expectRefused(answer);
      expect(stack.server.stats().settledAnswers).toMatchObject({ stored, hit });
      expect(stack.sim.stats.requests).toBe(0);
    });

    it('answers a repeated trusted request from memory', async () => {
      const body = JSON.stringify({ documentId: idOf(PAGE), variables: { sids: SIDS } });
      const { hit } = stack.server.stats().settledAnswers;
      const [first, second, third] = await thrice(body);
      expect(first?.status, first?.text).toBe(200);
      expect(second?.text).toBe(first?.text);
      expect(third?.text).toBe(first?.text);
      expect(stack.server.stats().settledAnswers.hit).toBe(hit + 1);
    });
  });

  describe('subscriptions', () => {
    it('over SSE by hash; as text, refused on the stream', async () => {
      const controller = new AbortController();
      const open = (body: unknown) =>
        fetch(`${stack.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...KEY },
          body: JSON.stringify(body),
          signal: AbortSignal.any([controller.signal, AbortSignal.timeout(15_000)]),
        });
      try {
        const sid = freshCall();
        const trusted = new SseSubscription<{ callUpdates: { sid: string; status: string; isFinal: boolean } }>(await open({ documentId: idOf(WATCH), variables: { sid } }), controller);
        expect((await trusted.payload(0)).data?.callUpdates).toEqual({ sid, status: 'COMPLETED', isFinal: true });
        await trusted.end();
        expect(trusted.nextEvents()).toHaveLength(1);
        expect(stack.sim.stats.bySid.get(sid)).toBe(1);

        stack.sim.resetStats();
        const refused = await open({ query: WATCH, variables: { sid: SIDS[1] } });
        expect(refused.status).toBe(400);
        const stream = new SseSubscription(refused, controller);
        expect((await stream.payload(0)).errors?.map((error) => error.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
        await stream.end();
        expect(stack.sim.stats.requests).toBe(0);
      } finally {
        controller.abort();
      }
    });

    describe('over WebSocket (graphql-ws)', () => {
      let ws: WsConnection;
      beforeAll(async () => {
        ws = new WsConnection(wsUrlOf(stack.url), { connectionParams: KEY });
        await ws.waitConnected();
      });
      afterAll(() => ws.close());

      type Event = { type: 'next'; payload: ExecutionPayload } | { type: 'error'; errors: Array<{ extensions?: Record<string, unknown> }> } | { type: 'complete' };

      /** Runs one operation with this exact `subscribe` payload until it ends (bounded). */
      async function run(payload: Record<string, unknown>): Promise<Event[]> {
        const events: Event[] = [];
        let ended = false;
        // graphql-ws sends the payload as given: extra keys such as `documentId` go with it.
        ws.client.subscribe(payload as { query: string }, {
          next: (value) => void events.push({ type: 'next', payload: value as ExecutionPayload }),
          error: (error) => {
            events.push({ type: 'error', errors: Array.isArray(error) ? error : [{ extensions: { failure: String(error) } }] });
            ended = true;
          },
          complete: () => {
            events.push({ type: 'complete' });
            ended = true;
          },
        });
        await expect.poll(() => ended, { timeout: 5000 }).toBe(true);
        return events;
      }

      it.each([
        ['documentId', (sid: string) => ({ query: '', documentId: idOf(WATCH), variables: { sid } })],
        ['extensions.persistedQuery', (sid: string) => ({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha256(WATCH) } }, variables: { sid } })],
      ])('a subscription by %s runs', async (_name, payload) => {
        const sid = freshCall();
        const events = await run(payload(sid));
        expect(events).toEqual([
          { type: 'next', payload: { data: { callUpdates: { sid, status: 'COMPLETED', isFinal: true } } } },
          { type: 'complete' },
        ]);
        expect(stack.sim.stats.bySid.get(sid)).toBe(1);
      });

      it.each([
        ['a subscription as text', { query: WATCH, variables: { sid: SIDS[1] } }],
        ['a query as text', { query: CALL, variables: { sid: SIDS[1] } }],
        ['an unknown hash', { query: '', documentId: idOf('subscription { __typename }') }],
        ['no hash', { query: '' }],
      ])('%s gets an error message PERSISTED_QUERY_NOT_FOUND for its id', async (_name, payload) => {
        const events = await run(payload);
        expect(events).toHaveLength(1);
        const [event] = events;
        expect(event?.type).toBe('error');
        expect(event?.type === 'error' && event.errors.map((error) => error.extensions)).toEqual([{ code: 'PERSISTED_QUERY_NOT_FOUND' }]);
        expect(stack.sim.stats.requests).toBe(0);
        // The connection stays usable.
        expect(ws.closedWith).toBeUndefined();
      });

      it('allows the composition query', async () => {
        const events = await run({ query: '{ _service { sdl } }' });
        expect(events.map((event) => event.type)).toEqual(['next', 'complete']);
      });
    });
  });

  describe('hostile ids are refused cheaply', () => {
    const LONGEST_ID = `sha256:${'f'.repeat(64)}`;

    it('just under the bound: the longest well-formed id is looked up (unknown)', async () => {
      expect(LONGEST_ID).toHaveLength(71);
      const answer = await post(stack, { documentId: LONGEST_ID });
      expectRefused(answer);
      expect(answer.body.errors?.[0]?.message).toBe('No trusted document has this hash.');
      expectRefused(await post(stack, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }));
    });

    it('just over it: refused without a lookup', async () => {
      const answer = await post(stack, { documentId: `${LONGEST_ID}f` });
      expectRefused(answer);
      expect(answer.body.errors?.[0]?.message).toMatch(/no valid document hash/);
    });

    it.each([
      ['a 900 KB documentId', () => ({ documentId: 'a'.repeat(900_000) })],
      ['a 900 KB sha256Hash', () => ({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(900_000) } } })],
      ['a sha256Hash that is an array of 12,000 hashes', () => ({ extensions: { persistedQuery: { version: 1, sha256Hash: Array(12_000).fill(sha256(CALL)) } } })],
      ['900 KB of query text', () => ({ query: `{ _service { sdl } }${' '.repeat(900_000)}` })],
    ])('far over it, %s: refused in a few ms of CPU, answer short', async (_name, build) => {
      const body = JSON.stringify(build());
      expect(body.length).toBeLessThan(1_048_576); // MAX_BODY_BYTES
      await post(stack, body); // warm-up
      const before = process.cpuUsage();
      const answer = await post(stack, body);
      const cpu = process.cpuUsage(before);
      expectRefused(answer);
      // This process runs the client and the server: building and parsing 900 KB is ~10–20 ms.
      expect((cpu.user + cpu.system) / 1000).toBeLessThan(250);
      expect(answer.text.length).toBeLessThan(400);
    });

    it('over GET: an id up to the URL limit is refused as malformed, past it the URL is (414)', async () => {
      expectRefused(await get(stack, { documentId: 'a'.repeat(7000) }));
      const tooLong = await fetch(`${stack.url}/graphql?documentId=${'a'.repeat(9000)}`, { headers: { accept: 'application/json', ...KEY, ...CSRF } });
      expect(tooLong.status).toBe(414);
      await tooLong.arrayBuffer();
      expect(stack.sim.stats.requests).toBe(0);
    });
  });
});

describe('PERSISTED_OPERATIONS_ONLY=false (the default)', () => {
  let off: Stack;
  let on: Stack;
  beforeAll(async () => {
    [off, on] = await Promise.all([startStack(), startStack({ config: { persistedOperationsOnly: true, persistedDocumentsFile: manifestFile } })]);
  });
  afterAll(() => Promise.all([off.close(), on.close()]));

  it('changes nothing: query texts run, documentId is not a parameter, GraphiQL is served', async () => {
    const text = await post(off, { query: CALL, variables: { sid: SIDS[0] } });
    expect(text.status).toBe(200);
    expect(text.body).toEqual({ data: { call: null } });
    const byId = await post(off, { documentId: idOf(CALL), variables: { sid: SIDS[0] } });
    expect(byId.status).toBe(400);
    expect(codes(byId)).toEqual(['BAD_REQUEST']);
    const page = await fetch(`${off.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    await page.text();
  });

  it('adds nothing to a request: no plugin (the manifest is not even read: unit/config/startup.test.ts)', () => {
    // Yoga runs every onParams hook for every request: off has exactly the two fewer.
    const onParamsHooks = (stack: Stack) => (stack.server.yoga as unknown as { onParamsHooks: unknown[] }).onParamsHooks.length;
    expect(onParamsHooks(on) - onParamsHooks(off)).toBe(2);
  });
});

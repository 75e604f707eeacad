/**
 * examples/graphqlRequest.ts, the dashboards' request helper on ky, against the simulator and
 * the server over real HTTP, behind a loopback proxy that plays a draining instance: a 503
 * with `Retry-After: 0` is tried again (POST included), the credential set by the
 * `beforeRequest` hook arrives on every try, and a row that came back RATE_LIMITED is asked
 * again after its `extensions.retryAfterMs` and shows the call. The snippet of docs/clients.md
 * ("The dashboards' request helper"), read from the page, runs as written with the names it
 * uses bound to the real ones, and ends with every row a call.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallTable } from '../../../examples/callTable.js';
import { DashboardPageDocument } from '../../../examples/generated/graphql.js';
import { askAgain, graphqlRequest, retryLaterRows } from '../../../examples/graphqlRequest.js';
import { DEMO_API_KEY, DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { docBlocks, docPage } from '../../support/docBlocks.js';
import { startStack, type Stack } from '../../support/stack.js';

interface Proxy {
  url: string;
  /** answer this many next requests 503 with Retry-After: 0, as a draining instance */
  refuse: number;
  seen: IncomingHttpHeaders[];
  server: Server;
}

/** Forwards to the server, except `refuse` requests answered 503 first; keeps each request's headers. */
async function startProxy(target: string): Promise<Proxy> {
  const proxy = { refuse: 0, seen: [] as IncomingHttpHeaders[] } as Proxy;
  proxy.server = createServer((req, res) => {
    proxy.seen.push(req.headers);
    if (proxy.refuse > 0) {
      proxy.refuse--;
      req.resume();
      res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain', connection: 'close' }).end('draining');
      return;
    }
    const upstream = httpRequest(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}/graphql`;
  return proxy;
}

let stack: Stack;
let proxy: Proxy;
beforeAll(async () => {
  // A 429 asking for 1 s pauses the tenant longer than a call may wait (300 ms): the row
  // fails RATE_LIMITED at once, with its retryAfterMs.
  stack = await startStack({ config: { upstreamMaxWaitMs: 300 } });
  proxy = await startProxy(stack.url);
});
afterAll(async () => {
  proxy?.server.closeAllConnections();
  await new Promise((resolve) => proxy?.server.close(resolve));
  await stack?.close();
});

const samples = DEMO_SAMPLE_SIDS.slice(0, 2).map((sample) => sample.sid);

describe('examples/graphqlRequest.ts (ky)', () => {
  it('retries a 503 of a draining instance (POST included) and sends the credential from its hook on each try', async () => {
    proxy.seen = [];
    proxy.refuse = 1;
    let keyReads = 0;
    const apiKey = () => (keyReads++, DEMO_API_KEY);
    const answer = await graphqlRequest(DashboardPageDocument, { sids: samples }, { url: proxy.url, apiKey, timeoutMs: 3000 });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.calls.map((call) => call?.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(proxy.seen).toHaveLength(2);
    for (const headers of proxy.seen) expect(headers['x-api-key']).toBe(DEMO_API_KEY);
    expect(keyReads).toBe(2);
  });

  it('gives up after `retries` and returns no answer for a body that is not GraphQL', async () => {
    proxy.refuse = 3;
    await expect(graphqlRequest(DashboardPageDocument, { sids: samples }, { url: proxy.url, apiKey: DEMO_API_KEY, retries: 1 })).rejects.toThrow(
      /answered 503 with no GraphQL response: draining/,
    );
    proxy.refuse = 0;
  });

  it('returns a refusal with GraphQL errors as an answer: no credential is UNAUTHENTICATED', async () => {
    const answer = await graphqlRequest(DashboardPageDocument, { sids: samples }, { url: proxy.url });
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lists a RATE_LIMITED row with its retryAfterMs, and asks it again after that delay: the call shows', async () => {
    // A sample not asked yet (nothing cached): Talkstack refuses it once, asking for 1 s.
    const limited = DEMO_SAMPLE_SIDS[2]?.sid ?? '';
    const sids = [samples[0] ?? '', limited, samples[1] ?? ''];
    stack.sim.injectFault(limited, { type: 'status', status: 429, times: 1, headers: { 'retry-after': '1' }, body: { error: 'too many requests' } });
    // A key of its own: the pause that 429 causes concerns this test's tenant only.
    const options = { url: proxy.url, apiKey: stack.tenant()['x-api-key'] };
    const first = await graphqlRequest(DashboardPageDocument, { sids }, options);
    const table = new CallTable(sids);
    table.apply(first);
    expect(table.rows.map((row) => row.kind)).toEqual(['call', 'error', 'call']);

    const later = retryLaterRows(first, sids);
    expect(later).toMatchObject({ indexes: [1], sids: [limited], codes: ['RATE_LIMITED'] });
    expect(later?.afterMs).toBeGreaterThan(0);
    expect(later?.afterMs).toBeLessThanOrEqual(1000);

    // Too long a wait: nothing is asked.
    expect(await askAgain({ ...later!, afterMs: 60_000 }, { ...options, maxWaitMs: 5000 })).toBeUndefined();

    const started = performance.now();
    const again = await askAgain(later!, { ...options, maxWaitMs: 5000 });
    expect(performance.now() - started).toBeGreaterThanOrEqual((later?.afterMs ?? 0) - 5);
    expect(table.apply(again!)).toEqual([1]);
    expect(table.rows[1]).toMatchObject({ sid: limited, kind: 'call' });
    expect(table.rows.map((row) => row.kind)).toEqual(['call', 'call', 'call']);
  });

  it('runs the snippet of docs/clients.md as written: the RATE_LIMITED row is asked again and shows', async () => {
    const block = docBlocks(docPage('docs/clients.md')).find((candidate) => candidate.lang === 'ts' && candidate.body.startsWith('const answer = await graphqlRequest('));
    expect(block, 'docs/clients.md: the graphqlRequest snippet').toBeDefined();
    const limited = DEMO_SAMPLE_SIDS[3]?.sid ?? '';
    const sids = [samples[0] ?? '', limited];
    stack.sim.injectFault(limited, { type: 'status', status: 429, times: 1, headers: { 'retry-after': '1' }, body: { error: 'too many requests' } });
    const table = new CallTable(sids);
    // The page's names, bound: what the snippet reads, and what it declares handed back.
    const names = { graphqlRequest, retryLaterRows, askAgain, DashboardPageDocument, sids, table, url: proxy.url, apiKey: stack.tenant()['x-api-key'] };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
    const snippet = new AsyncFunction(...Object.keys(names), `${block?.body ?? ''}\nreturn { later, again };`);
    const { later, again } = (await snippet(...Object.values(names))) as { later?: { codes: string[] }; again?: unknown };
    expect(later?.codes).toEqual(['RATE_LIMITED']);
    expect(again).toBeDefined();
    expect(table.rows.map((row) => row.kind)).toEqual(['call', 'call']);
  });
});

/**
 * The GraphQL blocks of docs/queries.md, docs/subscriptions.md and docs/errors.md, read from
 * the pages themselves, run against one demo-mode server (test/support/demoServer.ts, what
 * `npm start` runs with no setting), and the stale answer of docs/rate-limits.md. Where a page shows the answer right below a query, the
 * server's answer must equal it exactly (parsed JSON: key order and spacing aside); every
 * value in those answers comes from fixed demo data, so nothing is normalised. Where a page
 * shows no answer, the test checks the shape the prose around it describes:
 * - queries.md DashboardPage: the same documents as examples/operations/dashboardPage.graphql
 *   + callRow.graphql (compared printed, comments aside), and its answer has every CallRow field;
 * - queries.md @stream/@defer `Page`: over SSE, a first part with `hasNext: true`, then
 *   `incremental` parts (items at ["calls", i], the deferred `other`), the last `hasNext: false`;
 * - subscriptions.md callUpdates: `"CA…"` replaced by a completed demo call, which gives one
 *   event, final, then `complete`;
 * - subscriptions.md LiveCalls: the same as examples/operations/liveCalls.graphql, run with the
 *   CallRow fragment read from queries.md: one event per completed call, one NOT_FOUND event
 *   with `extensions.sid` for an unknown sid, then `complete`;
 * - rate-limits.md stale answer (its own demo server, whose breaker it opens): `"CA…"` replaced
 *   by the demo's "In Progress" call, fetched once; then a 503 outage of the simulator and a
 *   query of 7 other sids (21 failed tries) open the breaker, and the block's answer must equal
 *   the page's JSON with `CA…` replaced likewise and `fetchedAt` replaced by that of the first
 *   fetch (the only normalisation: it is the clock's).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { startDemoServer, type DemoServer } from '../../support/demoServer.js';
import { docBlocks, docPage, type DocBlock } from '../../support/docBlocks.js';
import { openSse } from '../../support/sse.js';

const COMPLETED = 'CA05008454022330968052e51f4352ae5a';
const UNKNOWN = 'CA00000000000000000000000000000000';
const OTHER_COMPLETED = DEMO_SAMPLE_SIDS[1]?.sid ?? '';
const CALL_ROW_FIELDS = ['sid', 'status', 'upstreamStatus', 'isFinal', 'from', 'to', 'date', 'durationSeconds', 'cost', 'recordings'];

const graphqlBlocks = (page: string): Array<DocBlock & { where: string }> =>
  docBlocks(docPage(page))
    .filter((block) => block.lang === 'graphql')
    .map((block) => ({ ...block, where: `${page}:${block.line}` }));

const operationFile = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../../examples/operations/${name}`, import.meta.url)), 'utf8');
/** Each definition printed (comments and layout aside), sorted. */
const definitions = (source: string): string[] => parse(source).definitions.map((definition) => print(definition)).sort();

const queries = graphqlBlocks('docs/queries.md');
const subscriptions = graphqlBlocks('docs/subscriptions.md');
const errors = graphqlBlocks('docs/errors.md');
const find = (blocks: Array<DocBlock & { where: string }>, text: string) => {
  const block = blocks.find((candidate) => candidate.body.includes(text));
  if (!block) throw new Error(`no graphql block with ${text}`);
  return block;
};
const dashboardPage = find(queries, 'query DashboardPage(');
/** The CallRow fragment as docs/queries.md shows it. */
const callRowFragment = (): string => {
  const start = dashboardPage.body.indexOf('fragment CallRow');
  expect(start, `${dashboardPage.where} defines CallRow`).toBeGreaterThan(0);
  return dashboardPage.body.slice(start);
};

describe('query blocks of docs/', () => {
  let demo: DemoServer;
  beforeAll(async () => {
    demo = await startDemoServer();
  });
  afterAll(() => demo.close());

  const post = async (query: string, variables?: Record<string, unknown>): Promise<unknown> => {
    const response = await fetch(`${demo.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return response.json();
  };

  it('the pages have the blocks this file runs', () => {
    expect(queries.map((block) => block.where)).toHaveLength(3);
    expect(subscriptions.map((block) => block.where)).toHaveLength(2);
    expect(errors.map((block) => block.where)).toHaveLength(1);
  });

  const withAnswers = [...queries, ...errors].filter((block) => block.next?.lang === 'json');
  it.each(withAnswers.map((block) => [block.where, block] as const))('%s answers what the page shows below it', async (_where, block) => {
    expect(await post(block.body)).toEqual(JSON.parse(block.next?.body ?? ''));
  });

  it('queries.md shows the DashboardPage of examples/operations/, and it runs', async () => {
    const block = dashboardPage;
    expect(definitions(block.body), block.where).toEqual(definitions(operationFile('dashboardPage.graphql') + operationFile('callRow.graphql')));
    const answer = (await post(block.body, { sids: [COMPLETED, UNKNOWN] })) as { data: { calls: Array<Record<string, unknown> | null> }; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(Object.keys(answer.data.calls[0] ?? {}).sort()).toEqual([...CALL_ROW_FIELDS].sort());
    expect(answer.data.calls[0]).toMatchObject({ sid: COMPLETED, status: 'COMPLETED', isFinal: true, durationSeconds: 215 });
    expect(answer.data.calls[1]).toBeNull();
  });

  it('queries.md @stream/@defer Page arrives in parts over SSE', async () => {
    const block = find(queries, '@stream');
    const stream = await openSse(demo.url, block.body, { sids: [COMPLETED, OTHER_COMPLETED], other: COMPLETED }, {});
    await stream.end();
    const parts = stream.nextEvents() as Array<Record<string, unknown>>;
    expect(stream.events.at(-1)?.event, block.where).toBe('complete');
    expect(parts[0], block.where).toMatchObject({ data: { calls: [] }, hasNext: true });
    expect(parts.at(-1)?.hasNext).toBe(false);
    const incremental = parts.slice(1).flatMap((part) => part.incremental as Array<Record<string, unknown>>);
    const items = incremental.filter((entry) => 'items' in entry);
    expect(items.map((entry) => entry.path)).toEqual([
      ['calls', 0],
      ['calls', 1],
    ]);
    expect(items.flatMap((entry) => (entry.items as Array<{ sid: string }>).map((call) => call.sid))).toEqual([COMPLETED, OTHER_COMPLETED]);
    expect(incremental.filter((entry) => entry.label === 'other')).toEqual([
      { data: { other: { sid: COMPLETED, status: 'COMPLETED' } }, path: [], label: 'other' },
    ]);
  });

  it('subscriptions.md callUpdates, for a completed call: one final event, then complete', async () => {
    const block = find(subscriptions, 'callUpdates(');
    expect(block.body, block.where).toContain('"CA…"');
    const stream = await openSse(demo.url, block.body.replace('"CA…"', JSON.stringify(COMPLETED)), {}, {});
    await stream.end();
    expect(stream.events, block.where).toEqual([
      { event: 'next', payload: { data: { callUpdates: { status: 'COMPLETED', isFinal: true, durationSeconds: 215 } } } },
      { event: 'complete' },
    ]);
  });

  it('subscriptions.md LiveCalls is examples/operations/liveCalls.graphql: each call, NOT_FOUND for an unknown one, then complete', async () => {
    const block = find(subscriptions, 'callsUpdates(');
    expect(definitions(block.body), block.where).toEqual(definitions(operationFile('liveCalls.graphql')));
    const stream = await openSse(demo.url, `${block.body}\n${callRowFragment()}`, { sids: [COMPLETED, OTHER_COMPLETED, UNKNOWN] }, {});
    await stream.end();
    expect(stream.events.at(-1)?.event, block.where).toBe('complete');
    const events = stream.nextEvents() as Array<{ data: { callsUpdates: Record<string, unknown> } | null; errors?: Array<{ extensions?: Record<string, unknown> }> }>;
    expect(events).toHaveLength(3);
    const calls = events.flatMap((event) => (event.data ? [event.data.callsUpdates] : []));
    expect(calls.map((call) => call.sid).sort()).toEqual([COMPLETED, OTHER_COMPLETED].sort());
    for (const call of calls) {
      expect(Object.keys(call).sort()).toEqual([...CALL_ROW_FIELDS].sort());
      expect(call.isFinal).toBe(true);
    }
    const failed = events.filter((event) => event.data === null);
    expect(failed.map((event) => event.errors?.map((error) => error.extensions))).toEqual([[expect.objectContaining({ sid: UNKNOWN, code: 'NOT_FOUND' })]]);
  });
});

describe('docs/rate-limits.md stale answer', () => {
  // Its own demo server: opening the breaker would leave the shared one refusing calls.
  it('a call in progress, fetched, then asked for while the breaker is open: as last seen, listed in extensions.stale', async () => {
    const page = 'docs/rate-limits.md';
    const block = docBlocks(docPage(page)).find((candidate) => candidate.lang === 'graphql');
    expect(block?.next?.lang, `${page}: a graphql block with its answer below`).toBe('json');
    const inProgress = DEMO_SAMPLE_SIDS.find((sample) => sample.label.includes('In Progress'))?.sid ?? '';
    const query = (block?.body ?? '').replace('"CA…"', JSON.stringify(inProgress));
    const demo = await startDemoServer();
    try {
      const ask = async (text: string) =>
        (await (
          await fetch(`${demo.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text }) })
        ).json()) as { data: { calls: Array<{ fetchedAt: string } | null> }; extensions?: unknown; errors?: unknown };
      const first = await ask(query);
      expect(first.errors).toBeUndefined();
      await demo.demo.simulator.setOutage(503);
      // Enough failed tries over enough distinct calls (7 calls × 3 tries) to open the breaker.
      const others = Array.from({ length: 7 }, (_, i) => `"CAoutage${i}"`).join(', ');
      await ask(`{ calls(sids: [${others}]) { sid } }`);
      const expected = (block?.next?.body ?? '').replace('CA…', inProgress).replace(/"fetchedAt": "[^"]+"/, `"fetchedAt": "${first.data.calls[0]?.fetchedAt}"`);
      expect(await ask(query)).toEqual(JSON.parse(expected));
    } finally {
      await demo.close();
    }
  });
});

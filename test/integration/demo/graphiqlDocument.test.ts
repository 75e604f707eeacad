/**
 * The GraphiQL page in demo mode, over real HTTP with the simulator's clock injected: one
 * tab per example operation, whose documents name the calls live at each page load and run
 * without an error; WatchCall names the next live call, still queued, and follows it to
 * COMPLETED, the page's load creating nothing; every line fits the editor of a 1,280 px
 * window; the ErrorStates tab names each error sid with its code; GraphiQL's SSE
 * subscription (a GET) passes CSRF prevention with the header the page gives it, and only with
 * it; the banner says how fast live calls move. (The page's options outside demo mode:
 * unit/graphiql/graphiqlOptions.test.ts; its assets and icon:
 * integration/graphiql/graphiqlAssets.test.ts; the same page in Chromium:
 * test/browser/graphiql.test.ts.)
 */
import { type DocumentNode, Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_TAB_DOCUMENT, TAB_LINE_MAX } from '../../../src/graphiql/graphiqlOptions.js';
import { DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { startDemoServer, type DemoServer } from '../../support/demoServer.js';

const STEP_MS = 1000;
const INTERVAL_MS = 2500;
const T0 = Math.ceil(1_800_000_000_000 / INTERVAL_MS) * INTERVAL_MS;

interface PageOptions {
  query?: string;
  defaultQuery?: string;
  defaultTabs?: Array<{ query: string }>;
  subscriptionsProtocol?: string;
  additionalHeaders?: Record<string, string>;
  headers?: string;
}

async function pageHtml(url: string): Promise<string> {
  const response = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  return response.text();
}

function optionsIn(html: string): PageOptions {
  const json = /^const graphiqlOptions = (\{.*\});$/m.exec(html)?.[1];
  if (!json) throw new Error('no GraphiQL options in the page');
  return JSON.parse(json) as PageOptions;
}

const pageOptions = async (url: string): Promise<PageOptions> => optionsIn(await pageHtml(url));

/** The example tabs' documents by operation name. */
async function tabs(url: string): Promise<Record<string, string>> {
  const documents = ((await pageOptions(url)).defaultTabs ?? []).map((tab) => tab.query);
  return Object.fromEntries(documents.map((document) => [operationNames(parse(document))[0] ?? '', document]));
}

function operationNames(document: DocumentNode): string[] {
  return document.definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value ?? '(anonymous)'] : [],
  );
}

function watchedSid(document: string): string {
  const sid = /subscription WatchCall \{\s*callUpdates\(\s*sid: "([^"]+)"\s*\)/.exec(document)?.[1];
  if (!sid) throw new Error(`no WatchCall sid in:\n${document}`);
  return sid;
}

/** The first SSE `next` event's data of a GET subscription, as GraphiQL sends it. */
async function firstEvent(url: string, document: string, operationName: string, headers: Record<string, string>) {
  const query = new URLSearchParams({ query: document, operationName });
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql?${query}`, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(5000)]),
  });
  if (response.status !== 200) return { status: response.status, body: await response.text() };
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before an event: ${buffered}`);
      buffered += decoder.decode(value, { stream: true });
      const data = /(?:^|\n)data: (.+)\n/.exec(buffered)?.[1];
      if (data) return { status: 200, body: JSON.parse(data) as { data?: { callUpdates?: { status: string } }; errors?: unknown[] } };
    }
  } finally {
    controller.abort();
  }
}

type WatchEvent = { data?: { callUpdates?: { status: string; isFinal: boolean } }; errors?: unknown[] };

/** Every SSE `next` event of a GET subscription, pushed to `events` as it comes, until the stream completes. */
async function allEvents(url: string, document: string, headers: Record<string, string>, events: WatchEvent[]): Promise<WatchEvent[]> {
  const query = new URLSearchParams({ query: document, operationName: 'WatchCall' });
  const response = await fetch(`${url}/graphql?${query}`, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const message = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (/^event: complete$/m.test(message)) {
        await reader.cancel();
        return events;
      }
      const data = /^data: (.+)$/m.exec(message)?.[1];
      if (!/^event: next$/m.test(message) || !data) continue;
      events.push(JSON.parse(data) as WatchEvent);
    }
  }
}

describe('GraphiQL page in demo mode', () => {
  const clock = { t: T0 };
  let demo: DemoServer;

  beforeAll(async () => {
    demo = await startDemoServer({
      simulator: { now: () => clock.t, lifecycleStepMs: STEP_MS, liveCallIntervalMs: INTERVAL_MS },
      // Watchers poll quickly, so a step of the injected clock shows at once.
      config: { callPollIntervalMs: 50 },
    });
  });
  afterAll(() => demo.close());

  it('opens one tab per example operation, each a document of that one operation, the first opened first', async () => {
    const options = await pageOptions(demo.url);
    const documents = (options.defaultTabs ?? []).map((tab) => tab.query);
    expect(documents.map((document) => operationNames(parse(document)))).toEqual([
      ['DashboardPage'],
      ['OneCall'],
      ['WatchCall'],
      ['ErrorStates'],
    ]);
    expect(options.query).toBe(documents[0]);
    // A tab opened with "+" starts short, not as a copy of an example.
    expect(options.defaultQuery).not.toMatch(/query|subscription/);
  });

  it('writes the tabs at each load with the calls live right then, WatchCall naming the next one', async () => {
    clock.t = T0;
    const first = await tabs(demo.url);
    const firstSid = watchedSid(first.WatchCall ?? '');
    // Not the newest live call (it may be half done): the one born next, queued already.
    expect(firstSid).toBe(demo.demo.simulator.nextLiveCall().sid);
    expect(demo.demo.simulator.nextLiveCall()).toMatchObject({ status: 'queued', bornAt: T0 + INTERVAL_MS });
    expect(demo.demo.simulator.liveCalls().map((call) => call.sid)).not.toContain(firstSid);

    // Same instant, same documents: reloads within a slot change nothing.
    expect(await tabs(demo.url)).toEqual(first);

    clock.t = T0 + INTERVAL_MS;
    const second = await tabs(demo.url);
    const secondSid = watchedSid(second.WatchCall ?? '');
    expect(secondSid).not.toBe(firstSid);
    // The page query lists the samples and every call still moving: the one watched before is.
    const live = demo.demo.simulator.liveCalls().map((call) => call.sid);
    expect(live).toContain(firstSid);
    for (const sid of [...DEMO_SAMPLE_SIDS.map((sample) => sample.sid), ...live]) expect(second.DashboardPage).toContain(sid);
    // The examples that name no live call stay the same.
    expect(second.OneCall).toBe(first.OneCall);
    expect(second.ErrorStates).toBe(first.ErrorStates);

    clock.t = T0 + 10 * INTERVAL_MS;
    const later = await tabs(demo.url);
    expect(later.DashboardPage).not.toContain(firstSid);
    expect(later.DashboardPage).not.toContain(secondSid);
  });

  it('fits every line of every tab (and of a new one) in the query editor of a 1,280 px window', async () => {
    const options = await pageOptions(demo.url);
    const documents = [...(options.defaultTabs ?? []).map((tab) => tab.query), NEW_TAB_DOCUMENT];
    const tooLong = documents.flatMap((document) => document.split('\n').filter((line) => line.length > TAB_LINE_MAX));
    expect(tooLong).toEqual([]);
  });

  it('WatchCall follows its call from QUEUED at page load to COMPLETED, then ends; loading the page asks for nothing', async () => {
    // Halfway through a slot: the newest call is well under way, as when a person drops in.
    const loadedAt = T0 + 20 * INTERVAL_MS + INTERVAL_MS / 2;
    clock.t = loadedAt;
    const options = await pageOptions(demo.url);
    const document = (await tabs(demo.url)).WatchCall ?? '';
    const sid = watchedSid(document);
    expect(demo.demo.simulator.requestLog.some((entry) => entry.sid === sid)).toBe(false);

    const events: WatchEvent[] = [];
    const ended = allEvents(demo.url, document, options.additionalHeaders ?? {}, events);
    const seen = (count: number) => expect.poll(() => events.length, { timeout: 5000, interval: 10 }).toBe(count);
    await seen(1);
    // Born: still queued, so nothing new (several polls of 50 ms go by).
    const bornAt = Math.ceil(loadedAt / INTERVAL_MS) * INTERVAL_MS;
    clock.t = bornAt;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toHaveLength(1);
    clock.t = bornAt + STEP_MS;
    await seen(2);
    clock.t = bornAt + 2 * STEP_MS;
    await seen(3);
    clock.t = bornAt + 4 * STEP_MS;
    // The stream completes by itself once the call is final.
    await ended;
    expect(events.map((event) => event.errors ?? event.data?.callUpdates?.status)).toEqual(['QUEUED', 'RINGING', 'IN_PROGRESS', 'COMPLETED']);
    expect(events.at(-1)?.data?.callUpdates?.isFinal).toBe(true);
  });

  it('names every error-state sid with its code in the ErrorStates tab', async () => {
    const document = (await tabs(demo.url)).ErrorStates ?? '';
    for (const state of DEMO_ERROR_SIDS) {
      expect(document).toContain(JSON.stringify(state.sid));
      expect(document).toMatch(new RegExp(`^#\\s+${state.sid}\\s+${state.code ?? 'null, no error'}$`, 'm'));
    }
  });

  it("runs the tabs' queries without an error, the live calls unfinished", async () => {
    clock.t = T0 + INTERVAL_MS;
    const documents = await tabs(demo.url);
    const live = demo.demo.simulator.liveCalls().map((call) => call.sid);
    for (const operationName of ['DashboardPage', 'OneCall']) {
      const response = await fetch(`${demo.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: documents[operationName], operationName }),
      });
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      expect(body.errors, operationName).toBeUndefined();
      if (operationName === 'DashboardPage') {
        const calls = (body.data?.calls ?? []) as Array<{ sid: string; isFinal: boolean } | null>;
        expect(calls.every((call) => call !== null)).toBe(true);
        for (const sid of live) expect(calls.find((call) => call?.sid === sid)?.isFinal, sid).toBe(false);
      }
    }
  });

  it("subscribes as GraphiQL does (SSE GET) with the page's header, and CSRF still refuses a bare GET", async () => {
    clock.t = T0 + INTERVAL_MS;
    const options = await pageOptions(demo.url);
    const document = (await tabs(demo.url)).WatchCall ?? '';
    const refused = await firstEvent(demo.url, document, 'WatchCall', {});
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('CSRF');

    const event = await firstEvent(demo.url, document, 'WatchCall', options.additionalHeaders ?? {});
    expect(event.status).toBe(200);
    expect(event.body).toEqual({ data: { callUpdates: { status: 'QUEUED', isFinal: false, durationSeconds: null } } });
  });

  it('says in the banner how fast live calls start and move', () => {
    expect(demo.demo.banner.join('\n')).toContain(
      'Live calls: a new one starts every 2.5 s and takes 4 s to complete (queued → ringing → in-progress → completed)',
    );
  });
});

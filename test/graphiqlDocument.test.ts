/**
 * The GraphiQL page in demo mode, over real HTTP with the simulator's clock injected:
 * its document names the calls live at each page load, and GraphiQL is told to send the CSRF
 * header itself, so its SSE subscription (a GET) passes CSRF prevention with no header typed.
 * (test/graphiql.browser.test.ts drives the same page in Chromium.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../src/server.js';
import { DEMO_SAMPLE_SIDS } from '../src/simulator/index.js';
import { startDemoServer, type DemoServer } from './support/demoServer.js';

const STEP_MS = 1000;
const INTERVAL_MS = 2500;
const T0 = Math.ceil(1_800_000_000_000 / INTERVAL_MS) * INTERVAL_MS;

interface PageOptions {
  query?: string;
  defaultQuery?: string;
  subscriptionsProtocol?: string;
  additionalHeaders?: Record<string, string>;
  headers?: string;
}

async function pageOptions(url: string): Promise<PageOptions> {
  const response = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  const html = await response.text();
  const json = /renderYogaGraphiQL\([^,]+,\s*(\{[\s\S]*\})\);?\s*<\/script>/.exec(html)?.[1];
  if (!json) throw new Error('no GraphiQL options in the page');
  return JSON.parse(json) as PageOptions;
}

function watchedSid(document: string): string {
  const sid = /subscription WatchCall \{\s*callUpdates\(sid: "([^"]+)"\)/.exec(document)?.[1];
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

describe('GraphiQL page in demo mode', () => {
  const clock = { t: T0 };
  let demo: DemoServer;

  beforeAll(async () => {
    demo = await startDemoServer({
      simulator: { now: () => clock.t, lifecycleStepMs: STEP_MS, liveCallIntervalMs: INTERVAL_MS },
    });
  });
  afterAll(() => demo.close());

  it('tells GraphiQL to send the CSRF header itself, outside the header editor', async () => {
    const options = await pageOptions(demo.url);
    expect(options.additionalHeaders).toEqual({ [CSRF_HEADER]: '1' });
    expect(options.subscriptionsProtocol).toBe('SSE');
    // Nothing in the header editor: the user has nothing to type or see.
    expect(options.headers).toBeUndefined();
  });

  it('writes the document at each load with the calls live right then', async () => {
    clock.t = T0;
    const first = (await pageOptions(demo.url)).query ?? '';
    const firstSid = watchedSid(first);
    expect(firstSid).toBe(demo.demo.simulator.liveCalls()[0]?.sid);
    expect(demo.demo.simulator.liveCalls()[0]?.status).toBe('queued');

    // Same instant, same document: reloads within a slot change nothing.
    expect((await pageOptions(demo.url)).query).toBe(first);

    clock.t = T0 + INTERVAL_MS;
    const second = (await pageOptions(demo.url)).query ?? '';
    const secondSid = watchedSid(second);
    expect(secondSid).not.toBe(firstSid);
    // The page query lists the samples and every call still moving (the first one is).
    for (const sid of [...DEMO_SAMPLE_SIDS.map((sample) => sample.sid), firstSid, secondSid]) expect(second).toContain(sid);

    clock.t = T0 + 10 * INTERVAL_MS;
    const later = (await pageOptions(demo.url)).query ?? '';
    expect(later).not.toContain(firstSid);
    expect(later).not.toContain(secondSid);
  });

  it("runs the document's queries without an error, the live calls unfinished", async () => {
    clock.t = T0 + INTERVAL_MS;
    const document = (await pageOptions(demo.url)).query ?? '';
    const live = demo.demo.simulator.liveCalls().map((call) => call.sid);
    for (const operationName of ['DashboardPage', 'OneCall']) {
      const response = await fetch(`${demo.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: document, operationName }),
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
    const document = options.query ?? '';
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

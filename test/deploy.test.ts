/**
 * Deployment behaviour (contract: "Browsers, gateways and deployment": /readiness, Stopping;
 * "Start-up"): readiness states, the stop sequence of the real process on SIGTERM/SIGINT,
 * closing with requests in flight, and what a newcomer sees for a busy port, invalid
 * settings or a missing compose file.
 */
import { createServer as createNetServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Readiness } from '../src/lifecycle/readiness.js';
import { exitCodeForSignal, shutdownSequence } from '../src/lifecycle/shutdown.js';
import { DEMO_API_KEY, DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS, startSimulator, type Simulator } from '../src/simulator/index.js';
import { killAll, type Running, spawnNode, startServer, waitFor, waitForBanner, waitForExit } from './support/serverProcess.js';
import { startStack } from './support/stack.js';

afterAll(killAll);

/** What no answer and no start-up message may show. */
const STACK_OR_PATH = /at .*\(|\/work\/|node_modules|\.ts:|\.js:/;

const SID = DEMO_SAMPLE_SIDS[0]?.sid as string;
const OTHER_SID = DEMO_SAMPLE_SIDS[1]?.sid as string;
const OPEN_SID = 'CAdeployOpenCall';

const callQuery = (sid: string) => JSON.stringify({ query: `{ call(sid: "${sid}") { sid status } }` });

async function postCall(baseUrl: string, sid: string) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: callQuery(sid),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json()) as { data?: { call: { sid: string } | null }; errors?: unknown[] };
  return { status: response.status, connection: response.headers.get('connection'), body };
}

async function readiness(baseUrl: string) {
  const response = await fetch(`${baseUrl}/readiness`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** A `callUpdates` stream over SSE: its text so far, and its whole text once it ends. */
async function subscribe(baseUrl: string, sid: string) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: `subscription { callUpdates(sid: "${sid}") { sid status } }` }),
    signal: AbortSignal.timeout(15_000),
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const ended = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { status: response.status, text: () => text, ended };
}

/** True when a new TCP connection to the server is refused: its listener is closed. */
function refusesConnections(baseUrl: string): Promise<boolean> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** JSON log lines of a process's stdout. */
const logLines = (running: Running) =>
  running
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('readiness', () => {
  it('moves only forward: starting → ready → draining', () => {
    const readiness = new Readiness();
    expect(readiness.report()).toEqual({ status: 'starting', redis: 'off' });
    expect(readiness.ready).toBe(false);
    readiness.markReady();
    expect(readiness.report()).toEqual({ status: 'ready', redis: 'off' });
    expect(readiness.ready).toBe(true);
    readiness.markDraining();
    readiness.markReady();
    expect(readiness.report()).toEqual({ status: 'draining', redis: 'off' });
    expect(readiness.ready).toBe(false);
  });

  it('a stop during start-up is final too', () => {
    const readiness = new Readiness();
    readiness.markDraining();
    readiness.markReady();
    expect(readiness.status).toBe('draining');
  });

  it('reports the shared cache through its probe, which never changes the status', () => {
    let redis: 'up' | 'down' = 'up';
    const readiness = new Readiness(() => redis);
    readiness.markReady();
    expect(readiness.report()).toEqual({ status: 'ready', redis: 'up' });
    redis = 'down';
    expect(readiness.report()).toEqual({ status: 'ready', redis: 'down' });
    expect(readiness.ready).toBe(true);
  });

  it('/readiness answers 200 {"status":"ready","redis":"off"} while serving, 503 "draining" once told to stop', async () => {
    const stack = await startStack();
    try {
      expect(await readiness(stack.url)).toEqual({ status: 200, body: { status: 'ready', redis: 'off' } });
      const response = await fetch(`${stack.url}/readiness`);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.headers.get('cache-control')).toBe('no-store');
      await response.arrayBuffer();
      stack.server.drain();
      expect(await readiness(stack.url)).toEqual({ status: 503, body: { status: 'draining', redis: 'off' } });
      // Still serving while draining.
      expect((await stack.gql(`{ call(sid: "${SID}") { sid } }`)).body.data).toEqual({ call: { sid: SID } });
    } finally {
      await stack.close();
    }
  });
});

describe('the stop sequence (unit)', () => {
  function fakeServer() {
    const steps: string[] = [];
    return {
      steps,
      server: {
        drain: () => void steps.push('drain'),
        close: async (graceMs: number) => void steps.push(`close(${graceMs})`),
      },
    };
  }

  it('drains, waits the delay, closes with the grace period, closes the rest, exits 0', async () => {
    const { steps, server } = fakeServer();
    const exits: number[] = [];
    const { stop } = shutdownSequence({
      server,
      delayMs: 30,
      graceMs: 1234,
      alsoClose: [async () => void steps.push('simulator')],
      log: () => {},
      exit: (code) => void exits.push(code),
    });
    const started = Date.now();
    const done = stop('SIGTERM');
    expect(steps).toEqual(['drain']);
    await done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(steps).toEqual(['drain', 'close(1234)', 'simulator']);
    expect(exits).toEqual([0]);
  });

  it('a second signal exits at once with 128 + its number', async () => {
    const { server } = fakeServer();
    const exits: number[] = [];
    const { stop } = shutdownSequence({ server, delayMs: 60_000, graceMs: 0, log: () => {}, exit: (code) => void exits.push(code) });
    void stop('SIGTERM');
    await stop('SIGINT');
    expect(exits).toEqual([130]);
    expect(exitCodeForSignal('SIGTERM')).toBe(143);
  });

  it('a failing step exits 1', async () => {
    const exits: number[] = [];
    const { stop } = shutdownSequence({
      server: { drain: () => {}, close: () => Promise.reject(new Error('boom')) },
      delayMs: 0,
      graceMs: 0,
      log: () => {},
      exit: (code) => void exits.push(code),
    });
    await stop('SIGTERM');
    expect(exits).toEqual([1]);
  });
});

describe('CallsServer.close(graceMs) with requests in flight (in-process)', () => {
  it('stops listening, lets the request finish, then resolves without waiting for keep-alive or silent connections', async () => {
    const stack = await startStack();
    const { hostname, port } = new URL(stack.url);
    // Opened and never used, like a browser's or a balancer's preconnect: Node does not count it as idle.
    const silent = connect(Number(port), hostname);
    silent.on('error', () => {});
    let silentEnded = false;
    silent.once('close', () => (silentEnded = true));
    silent.resume();
    await new Promise((resolve) => silent.once('connect', resolve));
    try {
      stack.sim.injectFault(SID, { type: 'delay', ms: 600 });
      const inFlight = stack.gql(`{ call(sid: "${SID}") { sid } }`);
      await waitFor('the request upstream', () => (stack.sim.stats.inFlight > 0 ? true : undefined));
      let settled = false;
      void inFlight.finally(() => (settled = true));
      const closing = stack.server.close(10_000);
      expect(await waitFor('the listener to close', async () => ((await refusesConnections(stack.url)) ? true : undefined))).toBe(true);
      expect(settled).toBe(false);
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ call: { sid: SID } });
      const started = Date.now();
      await closing;
      // Not the 65 s keep-alive timeout of the client's now idle connection, nor the 10 s grace.
      expect(Date.now() - started).toBeLessThan(2000);
      await waitFor('the server to close the silent connection', () => (silentEnded ? true : undefined), 2000);
    } finally {
      silent.destroy();
      await stack.sim.close();
    }
  });

  it('cuts what still runs when the grace period ends', async () => {
    const stack = await startStack();
    try {
      stack.sim.injectFault(SID, { type: 'hang' });
      const inFlight = stack.gql(`{ call(sid: "${SID}") { sid } }`).then(
        () => 'answered',
        () => 'cut',
      );
      await waitFor('the request upstream', () => (stack.sim.stats.inFlight > 0 ? true : undefined));
      await stack.server.close(100);
      expect(await inFlight).toBe('cut');
      expect(stack.logs.some((line) => line.includes('"dropped":1'))).toBe(true);
    } finally {
      await stack.sim.close();
    }
  });
});

describe('the compiled server, stopped by a signal', () => {
  let sim: Simulator;

  const serverEnv = (extra: Record<string, string>) => ({
    TALKSTACK_DEMO: '0',
    TALKSTACK_API_URL: sim.url,
    TALKSTACK_API_KEY: DEMO_API_KEY,
    TALKSTACK_PROJECT_ID: DEMO_PROJECT_ID,
    LOG_LEVEL: 'info',
    ...extra,
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('SIGTERM: readiness 503 and subscriptions complete at once, new requests served during SHUTDOWN_DELAY_MS, in-flight ones finish, exit 0', async () => {
    sim = await startSimulator({ seedDemo: true });
    sim.setCall(DEMO_PROJECT_ID, OPEN_SID, { status: 'in-progress', callSid: OPEN_SID });
    const running = startServer(serverEnv({ SHUTDOWN_DELAY_MS: '800', SHUTDOWN_GRACE_MS: '8000' }));
    const baseUrl = await waitForBanner(running);
    expect(await readiness(baseUrl)).toEqual({ status: 200, body: { status: 'ready', redis: 'off' } });

    const subscription = await subscribe(baseUrl, OPEN_SID);
    expect(subscription.status).toBe(200);
    await waitFor('the first event', () => (subscription.text().includes('event: next') ? true : undefined));

    // An answer the upstream holds for 3 s: still running after the delay, when the listener closes.
    sim.injectFault(SID, { type: 'delay', ms: 3000, times: 1 });
    const inFlight = postCall(baseUrl, SID);
    let settled = false;
    void inFlight.finally(() => (settled = true));
    await waitFor('the request upstream', () => (sim.stats.bySid.get(SID) ? true : undefined));

    running.child.kill('SIGTERM');
    const draining = await waitFor('readiness to turn 503', async () => {
      const probe = await readiness(baseUrl);
      return probe.status === 503 ? probe : undefined;
    });
    expect(draining.body).toEqual({ status: 'draining', redis: 'off' });

    // The subscription completes (a normal end, not an error) without waiting for the call.
    const streamed = await subscription.ended;
    expect(streamed).toContain('event: complete');
    expect(streamed).not.toContain('"errors"');

    // Served during SHUTDOWN_DELAY_MS, telling the client to reconnect elsewhere.
    const during = await postCall(baseUrl, OTHER_SID);
    expect(during.status).toBe(200);
    expect(during.body.data).toEqual({ call: { sid: OTHER_SID, status: expect.any(String) } });
    expect(during.connection).toBe('close');

    // Then the listener closes while the first request is still running…
    await waitFor('the listener to close', async () => ((await refusesConnections(baseUrl)) ? true : undefined));
    expect(settled).toBe(false);

    // …which still gets its answer.
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.body.errors).toBeUndefined();
    expect(answered.body.data?.call?.sid).toBe(SID);

    expect(await waitForExit(running)).toEqual({ code: 0, signal: null });
    const messages = logLines(running).map((line) => String(line['msg']));
    expect(messages.some((msg) => msg.startsWith('SIGTERM: stopping'))).toBe(true);
    expect(messages).toContain('stopped');
    expect(running.stderr()).toBe('');
  });

  it('cuts a request still running when SHUTDOWN_GRACE_MS ends, and still exits 0', async () => {
    sim ??= await startSimulator({ seedDemo: true });
    sim.injectFault(SID, { type: 'hang', times: 1 });
    const running = startServer(serverEnv({ SHUTDOWN_GRACE_MS: '300' }));
    const baseUrl = await waitForBanner(running);
    const inFlight = postCall(baseUrl, SID).then(
      () => 'answered',
      () => 'cut',
    );
    await waitFor('the request upstream', () => (sim.stats.inFlight > 0 ? true : undefined));
    running.child.kill('SIGTERM');
    expect(await inFlight).toBe('cut');
    expect(await waitForExit(running)).toEqual({ code: 0, signal: null });
  });

  it('SIGINT stops it the same way', async () => {
    sim ??= await startSimulator({ seedDemo: true });
    const running = startServer(serverEnv({}));
    const baseUrl = await waitForBanner(running);
    expect((await postCall(baseUrl, SID)).status).toBe(200);
    running.child.kill('SIGINT');
    expect(await waitForExit(running)).toEqual({ code: 0, signal: null });
  });

  it('exits 0 even when its stdout pipe was closed (as under `npm start | head`)', async () => {
    sim ??= await startSimulator({ seedDemo: true });
    const running = startServer(serverEnv({}));
    const baseUrl = await waitForBanner(running);
    // The reader goes away: every later log write gets EPIPE.
    running.child.stdout?.destroy();
    expect((await postCall(baseUrl, SID)).status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await waitForExit(running, 5000)).toEqual({ code: 0, signal: null });
  });

  it('a second signal exits at once (128 + the signal number), without waiting for the delay', async () => {
    sim ??= await startSimulator({ seedDemo: true });
    const running = startServer(serverEnv({ SHUTDOWN_DELAY_MS: '60000' }));
    const baseUrl = await waitForBanner(running);
    running.child.kill('SIGTERM');
    await waitFor('readiness to turn 503', async () => ((await readiness(baseUrl)).status === 503 ? true : undefined));
    running.child.kill('SIGINT');
    expect(await waitForExit(running, 5000)).toEqual({ code: 130, signal: null });
  });
});

describe('start-up and command-line mistakes', () => {
  it('a busy port: one line naming PORT, exit 1, no stack trace', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const running = startServer({ PORT: String(port), TALKSTACK_DEMO: '0', TALKSTACK_API_URL: 'http://127.0.0.1:9', TALKSTACK_API_KEY: 'k' });
      const { code } = await waitForExit(running);
      expect(code).toBe(1);
      const lines = running.stderr().trim().split('\n');
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^Port ${port} is already in use \\(PORT\\); stop the other process or set PORT`))]);
      expect(running.stderr()).not.toMatch(STACK_OR_PATH);
    } finally {
      blocker.close();
    }
  });

  it('several invalid settings: all reported at once, one line each, exit 1', async () => {
    const running = startServer({ PORT: 'abc', UPSTREAM_RETRIES: '99', LOG_LEVEL: 'loud', SHUTDOWN_GRACE_MS: '-1' });
    const { code } = await waitForExit(running);
    expect(code).toBe(1);
    const lines = running.stderr().trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const name of ['PORT', 'UPSTREAM_RETRIES', 'LOG_LEVEL', 'SHUTDOWN_GRACE_MS']) {
      expect(lines.filter((line) => line.startsWith(`Invalid setting ${name}: `))).toHaveLength(1);
    }
    expect(running.stderr()).not.toMatch(STACK_OR_PATH);
    expect(running.stdout()).not.toMatch(/GraphQL API on/);
  });

  it('the start-up banner shows the upstream without the user info of its URL', async () => {
    const running = startServer({ TALKSTACK_DEMO: '0', TALKSTACK_API_URL: 'http://user:secret@127.0.0.1:9/base', TALKSTACK_API_KEY: 'k' });
    await waitForBanner(running);
    await waitFor('the upstream line', () => (running.stdout().includes('Upstream:') ? true : undefined));
    expect(running.stdout()).toContain('Upstream: http://127.0.0.1:9/base\n');
    expect(running.stdout()).not.toContain('secret');
    running.child.kill('SIGTERM');
    expect((await waitForExit(running)).code).toBe(0);
  });

  it('npm run compose with a missing file: one line, exit 1', async () => {
    const running = spawnNode(['--import', 'tsx', 'scripts/compose.ts', '--subgraph', 'shifts=/nonexistent/shifts.graphql@http://shifts:4001/graphql'], {});
    const { code } = await waitForExit(running, 15_000);
    expect(code).toBe(1);
    expect(running.stderr()).toBe('cannot read /nonexistent/shifts.graphql: no such file\n');
    expect(running.stdout()).toBe('');
  }, 20_000);

  it('npm run compose with a --calls-url that is not a URL: refused, nothing printed on stdout, exit 2', async () => {
    const running = spawnNode(['--import', 'tsx', 'scripts/compose.ts', '--calls-url', 'notaurl'], {});
    const { code } = await waitForExit(running, 15_000);
    expect(code).toBe(2);
    expect(running.stderr().split('\n')[0]).toBe('bad --calls-url "notaurl": expected an http(s) URL such as http://calls:4000/graphql');
    expect(running.stdout()).toBe('');
  }, 20_000);
});

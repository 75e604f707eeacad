/**
 * Stopping (contract: "Browsers, gateways and deployment": Stopping). In process,
 * `CallsServer.close(graceMs)` with requests in flight: it stops listening, lets them finish,
 * resolves without waiting for idle or silent connections, and cuts what still runs when the
 * grace period ends. The compiled server (`node dist/src/main.js`) as a child process, stopped
 * by signals: on SIGTERM readiness turns 503 and subscriptions complete at once, requests are
 * still served during SHUTDOWN_DELAY_MS, those in flight finish within SHUTDOWN_GRACE_MS and
 * what still runs then is cut, exit 0; SIGINT the same, even with its stdout pipe closed; a
 * second signal exits at once with 128 + its number. The processes are started together, each
 * test drives its own. (The sequence with a fake server: unit/lifecycle/shutdown.test.ts.)
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS, startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { SHARED_START_TIMEOUT_MS, waitForSharedStart } from '../../support/processStarts.js';
import { killAll, type Running, startServer, waitFor, waitForBanner, waitForExit } from '../../support/serverProcess.js';
import { startStack } from '../../support/stack.js';


const SID = DEMO_SAMPLE_SIDS[0]?.sid as string;
const OTHER_SID = DEMO_SAMPLE_SIDS[1]?.sid as string;
const HUNG_SID = DEMO_SAMPLE_SIDS[2]?.sid as string;
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
  /** one process per test below, started together (each start is most of a test's time) */
  let forSigterm: Running;
  let forSigint: Running;
  let forSecondSignal: Running;

  const serverEnv = (extra: Record<string, string>) => ({
    TALKSTACK_DEMO: '0',
    TALKSTACK_API_URL: sim.url,
    TALKSTACK_API_KEY: DEMO_API_KEY,
    TALKSTACK_PROJECT_ID: DEMO_PROJECT_ID,
    LOG_LEVEL: 'info',
    ...extra,
  });

  beforeAll(async () => {
    sim = await startSimulator({ seedDemo: true });
    sim.setCall(DEMO_PROJECT_ID, OPEN_SID, { status: 'in-progress', callSid: OPEN_SID });
    // The listener closes 800 ms after SIGTERM; answers in flight then get 2 s more.
    forSigterm = startServer(serverEnv({ SHUTDOWN_DELAY_MS: '800', SHUTDOWN_GRACE_MS: '2000' }));
    forSigint = startServer(serverEnv({}));
    forSecondSignal = startServer(serverEnv({ SHUTDOWN_DELAY_MS: '60000' }));
    await Promise.all([forSigterm, forSigint, forSecondSignal].map((running) => waitForSharedStart(running)));
  }, SHARED_START_TIMEOUT_MS + 5000);

  afterAll(async () => {
    killAll();
    await sim?.close();
  });

  it('SIGTERM: readiness 503 and subscriptions complete at once, new requests served during SHUTDOWN_DELAY_MS, in-flight ones finish within SHUTDOWN_GRACE_MS, what still runs then is cut, exit 0', async () => {
    const running = forSigterm;
    const baseUrl = await waitForBanner(running);
    expect(await readiness(baseUrl)).toEqual({ status: 200, body: { status: 'ready', redis: 'off' } });

    const subscription = await subscribe(baseUrl, OPEN_SID);
    expect(subscription.status).toBe(200);
    await waitFor('the first event', () => (subscription.text().includes('event: next') ? true : undefined));

    // An answer the upstream holds for 1.8 s: still running when the listener closes, done within the grace period…
    sim.injectFault(SID, { type: 'delay', ms: 1800, times: 1 });
    const inFlight = postCall(baseUrl, SID);
    let settled = false;
    void inFlight.finally(() => (settled = true));
    // …and one it never answers: still running when the grace period ends.
    sim.injectFault(HUNG_SID, { type: 'hang', times: 1 });
    const hung = postCall(baseUrl, HUNG_SID).then(
      () => 'answered',
      () => 'cut',
    );
    await waitFor('both requests upstream', () => (sim.stats.bySid.get(SID) && sim.stats.bySid.get(HUNG_SID) ? true : undefined));

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

    // The hung one is cut when SHUTDOWN_GRACE_MS ends, and the process still exits 0.
    expect(await hung).toBe('cut');
    expect(await waitForExit(running)).toEqual({ code: 0, signal: null });
    const lines = logLines(running);
    const messages = lines.map((line) => String(line['msg']));
    expect(messages.some((msg) => msg.startsWith('SIGTERM: stopping'))).toBe(true);
    expect(lines.some((line) => line['dropped'] === 1)).toBe(true);
    expect(messages).toContain('stopped');
    expect(running.stderr()).toBe('');
  });

  it('SIGINT stops it the same way, and it exits 0 even when its stdout pipe was closed (as under `npm start | head`)', async () => {
    const running = forSigint;
    const baseUrl = await waitForBanner(running);
    // The reader goes away: every later log write gets EPIPE.
    running.child.stdout?.destroy();
    expect((await postCall(baseUrl, SID)).status).toBe(200);
    running.child.kill('SIGINT');
    expect(await waitForExit(running, 5000)).toEqual({ code: 0, signal: null });
  });

  it('a second signal exits at once (128 + the signal number), without waiting for the delay', async () => {
    const running = forSecondSignal;
    const baseUrl = await waitForBanner(running);
    running.child.kill('SIGTERM');
    await waitFor('readiness to turn 503', async () => ((await readiness(baseUrl)).status === 503 ? true : undefined));
    running.child.kill('SIGINT');
    expect(await waitForExit(running, 5000)).toEqual({ code: 130, signal: null });
  });
});

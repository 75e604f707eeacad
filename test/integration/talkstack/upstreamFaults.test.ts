/**
 * A broken upstream must never hurt the process (talkstack/transport.ts): odd status codes,
 * answers that are not HTTP, huge, endless and dripping bodies. Each is an error of its own
 * field (or a null, for a 404), with the right code and number of tries, in bounded time and
 * memory, and the server keeps serving. Faults come from the simulator (`status`, `wire`,
 * `stream`); tries are counted there, per sid, so tests that measure neither time, CPU nor
 * memory run concurrently. Every lookup is a tenant of its own (`stack.tenant()`): so many
 * failures over distinct calls would otherwise open the demo key's circuit breaker for the
 * tests beside them. (Codes and retries of ordinary answers:
 * errorClassification.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { codesOf, startStack, type Stack } from '../../support/stack.js';

const RETRIES = 2;
const TRIES = 1 + RETRIES;
const MAX_BODY = 4096;
const TIMEOUT_MS = 400;
/** The server for bodies dripping past the per-try timeout: a short timeout, one retry. */
const DRIP_TIMEOUT_MS = 200;
const DRIP_TRIES = 2;
const CALL = `query Call($sid: ID!) { call(sid: $sid) { sid status } }`;
const CALLS = `query Calls($sids: [ID!]!) { calls(sids: $sids) { sid status } }`;
const MB = 1024 * 1024;

let counter = 0;
const newSid = (label: string) => `CAfault${label}${++counter}`;

let stack: Stack;
let drip: Stack;
beforeAll(async () => {
  [stack, drip] = await Promise.all([
    startStack({ config: { upstreamRetries: RETRIES, upstreamMaxBodyBytes: MAX_BODY, upstreamTimeoutMs: TIMEOUT_MS } }),
    startStack({ config: { upstreamRetries: DRIP_TRIES - 1, upstreamMaxBodyBytes: MAX_BODY, upstreamTimeoutMs: DRIP_TIMEOUT_MS } }),
  ]);
});
afterAll(async () => {
  await Promise.all([stack?.close(), drip?.close()]);
});

/** A stored completed call's sid. */
function knownCall(label: string, on: Stack = stack): string {
  const sid = newSid(label);
  on.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 3, cost: 0.01 });
  return sid;
}

const tries = (sid: string, on: Stack = stack) => on.sim.stats.bySid.get(sid) ?? 0;

async function expectCallError(sid: string, code: string, expectedTries: number, on: Stack = stack) {
  const response = await on.gql<{ call: unknown }>(CALL, { sid }, on.tenant());
  expect(response.status).toBe(200);
  expect(response.body.data).toEqual({ call: null });
  expect(codesOf(response)).toEqual([code]);
  expect(tries(sid, on)).toBe(expectedTries);
  return response;
}

/** The server still answers normally afterwards. */
async function expectStillServing() {
  const sid = knownCall('alive');
  const response = await stack.gql<{ call: { status: string } }>(CALL, { sid }, stack.tenant());
  expect(response.body.data?.call?.status).toBe('COMPLETED');
}

describe.concurrent('any status code, however odd, is an error of its field, never a crash', () => {
  it.each([600, 799, 999])('HTTP %i → UPSTREAM_ERROR, not retried', async (status) => {
    const sid = knownCall(`s${status}`);
    stack.sim.injectFault(sid, { type: 'status', status, body: { status: 'completed' } });
    await expectCallError(sid, 'UPSTREAM_ERROR', 1);
    await expectStillServing();
  });

  it.each([
    ['status 1000', 'HTTP/1.1 1000 Odd\r\ncontent-length: 2\r\n\r\n{}'],
    ['status 099', 'HTTP/1.1 099 Odd\r\ncontent-length: 2\r\n\r\n{}'],
    ['status 000', 'HTTP/1.1 000 Odd\r\ncontent-length: 2\r\n\r\n{}'],
    ['a 1xx as the final answer', 'HTTP/1.1 199 Odd\r\ncontent-length: 2\r\n\r\n{}'],
    ['not HTTP at all', 'SSH-2.0-OpenSSH_9.2\r\n\r\n'],
  ])('%s → UPSTREAM_ERROR, not retried', async (_label, bytes) => {
    const sid = knownCall('wire');
    stack.sim.injectFault(sid, { type: 'wire', bytes });
    await expectCallError(sid, 'UPSTREAM_ERROR', 1);
    await expectStillServing();
  });

  it('an informational 103 before the real answer is skipped: the call resolves', async () => {
    const sid = knownCall('early');
    const body = JSON.stringify({ status: 'busy' });
    stack.sim.injectFault(sid, {
      type: 'wire',
      bytes: `HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    });
    const response = await stack.gql<{ call: { status: string } }>(CALL, { sid }, stack.tenant());
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data?.call?.status).toBe('BUSY');
  });

  it('a connection closed in the middle of the headers is a network failure: retried, then UPSTREAM_ERROR', async () => {
    const sid = knownCall('cut');
    stack.sim.injectFault(sid, { type: 'wire', bytes: 'HTTP/1.1 200 OK\r\ncontent-le', close: 'destroy' });
    await expectCallError(sid, 'UPSTREAM_ERROR', TRIES);
  });
});

describe('UPSTREAM_MAX_BODY_BYTES', () => {
  it('an answer of exactly the limit is read; one byte more is UPSTREAM_BAD_RESPONSE, not retried', async () => {
    const atLimit = knownCall('atLimit');
    stack.sim.injectFault(atLimit, { type: 'stream', bytes: MAX_BODY, chunkBytes: 1000 });
    const ok = await stack.gql<{ call: { status: string } }>(CALL, { sid: atLimit }, stack.tenant());
    expect(codesOf(ok)).toEqual([]);
    expect(ok.body.data?.call?.status).toBe('COMPLETED');

    const over = knownCall('overLimit');
    stack.sim.injectFault(over, { type: 'stream', bytes: MAX_BODY + 1, chunkBytes: 1000 });
    await expectCallError(over, 'UPSTREAM_BAD_RESPONSE', 1);
  });

  it('a 300 MB answer is refused after reading the first few KB: the socket is dropped, memory and CPU stay flat', async () => {
    const sid = knownCall('huge');
    const fault = stack.sim.injectFault(sid, { type: 'stream', bytes: 300 * MB });
    const rssBefore = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    await expectCallError(sid, 'UPSTREAM_BAD_RESPONSE', 1);
    const cpu = process.cpuUsage(cpuBefore);
    // The simulator and the server share this process: the CPU covers both ends of the transfer.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MB);
    await expect.poll(() => fault.clientClosed, { timeout: 2000 }).toBe(1);
    // What the kernel's socket buffers took before the drop, not the body.
    expect(fault.bytesSent).toBeLessThan(32 * MB);
  });

  it('an endless answer is refused just the same, long before the per-try timeout', async () => {
    const sid = knownCall('endless');
    const fault = stack.sim.injectFault(sid, { type: 'stream', bytes: Infinity });
    // Refused by the cap after one try: had the try run into its timer, the answer would be
    // UPSTREAM_TIMEOUT after every retry (a wall-clock bound would only measure the machine's load).
    await expectCallError(sid, 'UPSTREAM_BAD_RESPONSE', 1);
    await expect.poll(() => fault.clientClosed, { timeout: 2000 }).toBe(1);
  });

  it('a 404 or 500 is classified without reading its (huge) body', async () => {
    const unknown = knownCall('huge404');
    stack.sim.injectFault(unknown, { type: 'stream', status: 404, bytes: 50 * MB });
    const response = await stack.gql<{ call: unknown }>(CALL, { sid: unknown }, stack.tenant());
    expect(codesOf(response)).toEqual([]);
    expect(response.body.data).toEqual({ call: null });

    const failing = knownCall('endless500');
    stack.sim.injectFault(failing, { type: 'stream', status: 500, bytes: Infinity });
    await expectCallError(failing, 'UPSTREAM_ERROR', TRIES);
  });
});

describe('a broken call never fails its neighbours', () => {
  it('odd status, endless body and a good call in one page: each entry on its own', async () => {
    const odd = knownCall('nOdd');
    const endless = knownCall('nEndless');
    const good = knownCall('nGood');
    stack.sim.injectFault(odd, { type: 'status', status: 600 });
    stack.sim.injectFault(endless, { type: 'stream', bytes: Infinity });
    const response = await stack.gql<{ calls: ({ sid: string; status: string } | null)[] }>(CALLS, { sids: [odd, endless, good] }, stack.tenant());
    expect(response.status).toBe(200);
    expect(response.body.data?.calls).toEqual([null, null, { sid: good, status: 'COMPLETED' }]);
    const byPath = Object.fromEntries((response.body.errors ?? []).map((error) => [String(error.path?.[1]), error.extensions?.code]));
    expect(byPath).toEqual({ '0': 'UPSTREAM_ERROR', '1': 'UPSTREAM_BAD_RESPONSE' });
  });
});

describe.concurrent('bodies dripping past the per-try timeout', () => {
  it('a body that drips a chunk every 50 ms (never silent for long) times out per try → UPSTREAM_TIMEOUT: one timer covers the whole body', async () => {
    const sid = knownCall('drip', drip);
    // 100 chunks of 20 bytes, one per 50 ms: 5 s to finish, far beyond the 200 ms per try.
    drip.sim.injectFault(sid, { type: 'stream', bytes: 2000, chunkBytes: 20, intervalMs: 50 });
    const started = performance.now();
    await expectCallError(sid, 'UPSTREAM_TIMEOUT', DRIP_TRIES, drip);
    const elapsed = performance.now() - started;
    // Two tries of 200 ms and a backoff of 100 ms, with slack for a busy machine.
    expect(elapsed).toBeGreaterThanOrEqual(DRIP_TRIES * DRIP_TIMEOUT_MS);
    expect(elapsed).toBeLessThan(DRIP_TRIES * DRIP_TIMEOUT_MS + 100 + 1500);
  });

  it.each([
    [404, undefined, 1],
    [403, 'FORBIDDEN', 1],
    [503, 'UPSTREAM_ERROR', DRIP_TRIES],
  ])('a table status decides by itself: HTTP %i with a body dripping past the timeout → %s after %i tries (not UPSTREAM_TIMEOUT)', async (status, code, expectedTries) => {
    const sid = knownCall(`slow${status}`, drip);
    drip.sim.injectFault(sid, { type: 'stream', status, bytes: 2000, chunkBytes: 20, intervalMs: 50 });
    const response = await drip.gql<{ call: unknown }>(CALL, { sid }, drip.tenant());
    expect(response.body.data).toEqual({ call: null });
    expect(codesOf(response)).toEqual(code ? [code] : []);
    expect(tries(sid, drip)).toBe(expectedTries);
  });
});

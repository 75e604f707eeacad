/**
 * Work ends with its client (http/nodeServer.ts `inItsTurn`): a request pipelined behind
 * another runs only in its turn. 100 POSTs of 50 slow calls pipelined on one connection, then
 * the connection closed: nothing more is sent upstream once what was in flight finishes, and
 * nothing waits (issue 18 measured 48,600 upstream calls still queued 40 s after such a client
 * left). What made Node stop reading the socket (so the client's leaving went unseen) is
 * reproduced: past MAX_WAITING_CALLS_PER_TENANT (200 here) requests are answered at once, and
 * their answers queue behind the first. A client that stays gets every answer, in order.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../support/stack.js';

const PROJECT = 'pipelined-project';
let fresh = 0;

function pipeline(stack: Stack, requests: number, callsEach: number): Socket {
  const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  let text = '';
  for (let r = 0; r < requests; r++) {
    const sids = Array.from({ length: callsEach }, () => `CApipe${++fresh}`);
    const body = JSON.stringify({ query: `query P($s: [ID!]!) { calls(sids: $s, projectId: "${PROJECT}") { sid } }`, variables: { s: sids } });
    text += `POST /graphql HTTP/1.1\r\nhost: x\r\nx-api-key: demo-key\r\naccept: application/json\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  }
  socket.write(text);
  return socket;
}

describe('pipelined requests', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { upstreamConcurrency: 16, maxWaitingCallsPerTenant: 200 }, simulator: { syntheticProject: PROJECT, latencyMs: 100 } });
  });
  afterAll(() => stack?.close());

  it('of a client that stays: every one answered, in order', async () => {
    const socket = pipeline(stack, 5, 3);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await expect.poll(() => received.split('HTTP/1.1 200').length - 1, { timeout: 5000 }).toBe(5);
    const firstSids = [...received.matchAll(/"sid":"CApipe(\d+)"/g)].map((match) => Number(match[1]));
    expect(firstSids).toEqual([...firstSids].sort((a, b) => a - b));
    socket.destroy();
  });

  it('of a client that leaves: all dropped, the ones behind the first included (100 × 50 slow calls)', async () => {
    stack.sim.resetStats();
    const rss = process.memoryUsage().rss;
    const socket = pipeline(stack, 100, 50);
    await expect.poll(() => stack.sim.stats.requests, { timeout: 5000 }).toBeGreaterThan(0);
    socket.destroy();
    // what was in flight at the close finishes (100 ms of latency); then nothing goes out
    await expect.poll(() => stack.server.stats().upstream, { timeout: 5000 }).toMatchObject({ inFlight: 0, waiting: 0 });
    // Whatever was on its way (a try of the first request, on a loaded machine) has arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // At most the first request's calls ever went: the 99 behind it never ran (216 before).
    expect(stack.sim.stats.requests).toBeLessThanOrEqual(50);
    expect(stack.server.stats().upstream).toMatchObject({ inFlight: 0, waiting: 0 });
    expect(process.memoryUsage().rss - rss).toBeLessThan(300 * 1024 * 1024);
  });
});

/**
 * One backpressure rule (http/backpressure.ts): a WebSocket client that stops reading while
 * 100 subscriptions each send it a call carrying 240 KB of `data` is closed once more than
 * 16 MiB wait for it; its subscriptions end, the server's memory stays bounded, and /health
 * keeps answering meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { wsUrlOf } from '../../support/graphqlWsClient.js';
import { startStack, type Stack } from '../../support/stack.js';

describe('a WebSocket that stops reading', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A long upstream timeout: on a loaded machine a 240 KB answer must not time out and be fetched again.
    stack = await startStack({ config: { callPollIntervalMs: 60_000, upstreamTimeoutMs: 15_000 } });
    for (let i = 0; i < 100; i++) {
      stack.sim.setCall(DEMO_PROJECT_ID, `CAslow${i}`, { status: 'in-progress', data: { transcript: `${i}`.padEnd(240_000, 'x') } });
    }
  });
  afterAll(() => stack?.close());

  it('is closed past 16 MiB unsent: its subscriptions end, memory stays bounded, /health answers', { timeout: 30_000 }, async ({ expect }) => {
    const rss = process.memoryUsage().rss;
    const socket = new WebSocket(wsUrlOf(stack.url), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('error', () => undefined);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': DEMO_API_KEY } }));
    await new Promise((resolve) => socket.once('message', resolve));
    // Stops reading: everything sent to it from now on queues in the server.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 100; i++) {
      socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: `subscription { callUpdates(sid: "CAslow${i}") { sid data } }` } }));
    }
    let slowestHealth = 0;
    await expect
      .poll(
        async () => {
          const started = performance.now();
          await fetch(`${stack.url}/health`).then((response) => response.text());
          slowestHealth = Math.max(slowestHealth, performance.now() - started);
          return stack.server.stats().subscriptions.open;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(0);
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const code = await closed;
    expect([1013, 1006]).toContain(code);
    // Client and server share this process: the bench (npm run bench:attacks) measures the server alone.
    expect(slowestHealth).toBeLessThan(2000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(300 * 1024 * 1024);
  });
});

/**
 * Work ends with its client (http/nodeServer.ts): three POSTs pipelined on one connection,
 * each of 100 slow calls, then the connection closed: nothing of any of them is sent upstream
 * afterwards, not only the first's.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../support/stack.js';

describe('pipelined requests of a closed connection', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { upstreamConcurrency: 16 } });
  });
  afterAll(() => stack?.close());

  it('are all dropped when the client goes', async () => {
    const sids = (r: number) => Array.from({ length: 100 }, (_, i) => `CApipe${r}x${i}`);
    for (let r = 0; r < 3; r++) for (const sid of sids(r)) stack.sim.injectFault(sid, { type: 'delay', ms: 300 });
    const bodies = [0, 1, 2].map((r) => JSON.stringify({ query: 'query P($s: [ID!]!) { calls(sids: $s) { sid } }', variables: { s: sids(r) } }));
    const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(bodies.map((body) => `POST /graphql HTTP/1.1\r\nhost: x\r\nx-api-key: demo-key\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`).join(''));
    await new Promise((resolve) => setTimeout(resolve, 150));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const atClose = stack.sim.stats.requests;
    await new Promise((resolve) => setTimeout(resolve, 700));
    // what was in flight at the close finishes; nothing new goes out
    expect(stack.sim.stats.requests).toBe(atClose);
    expect(atClose).toBeLessThanOrEqual(3 * 16);
    expect(stack.server.stats().upstream).toMatchObject({ waiting: 0 });
  });
});

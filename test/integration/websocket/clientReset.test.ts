/**
 * A client resetting its WebSocket while 300 operations are answering (websocket/graphqlWs.ts):
 * no stack trace on the console (graphql-ws prints one per failed send), the server goes on,
 * and every log line stays one JSON line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEMO_API_KEY } from '../../../src/simulator/index.js';
import { wsUrlOf } from '../../support/graphqlWsClient.js';
import { startStack, type Stack } from '../../support/stack.js';

describe('a client resetting its WebSocket mid-answer', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('writes no stack trace, and the server goes on', async () => {
    const printed: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    try {
      const socket = new WebSocket(wsUrlOf(stack.url), 'graphql-transport-ws');
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': DEMO_API_KEY } }));
      await new Promise((resolve) => socket.once('message', resolve));
      for (let i = 0; i < 300; i++) {
        socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: `{ calls(sids: ["CAreset${i}a", "CAreset${i}b"]) { sid status } }` } }));
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      const raw = (socket as unknown as { _socket: { resetAndDestroy(): void } })._socket;
      raw.resetAndDestroy();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      console.error = original;
    }
    expect(printed).toEqual([]);
    for (const line of stack.logs) expect(() => JSON.parse(line)).not.toThrow();
    expect((await stack.gql('{ call(sid: "CAafterReset") { sid } }')).status).toBe(200);
  });
});

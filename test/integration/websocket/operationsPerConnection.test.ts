/**
 * MAX_OPERATIONS_PER_CONNECTION (websocket/graphqlWs.ts) with graphql-ws's own client: one
 * socket runs at most that many operations at once, subscriptions included; the next gets an
 * `error` message TOO_MANY_REQUESTS (with retryAfterMs) for its id and nothing of it runs;
 * once one ends, another may start. A burst of 200 messages queues nothing past the cap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { WsConnection, wsUrlOf } from '../../support/graphqlWsClient.js';
import { startStack, type Stack } from '../../support/stack.js';

const WATCH = 'subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status } }';

describe('MAX_OPERATIONS_PER_CONNECTION=3', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { maxOperationsPerConnection: 3, callPollIntervalMs: 60_000 } });
    for (let i = 0; i < 4; i++) stack.sim.setCall(DEMO_PROJECT_ID, `CAwsop${i}`, { status: 'in-progress' });
  });
  afterAll(() => stack?.close());

  it('the fourth running operation is refused with TOO_MANY_REQUESTS; one ending lets another in', async () => {
    const connection = new WsConnection(wsUrlOf(stack.url), { connectionParams: { 'x-api-key': DEMO_API_KEY } });
    try {
      await connection.waitConnected();
      const running = [0, 1, 2].map((i) => connection.operation(WATCH, { sid: `CAwsop${i}` }));
      for (const operation of running) await operation.payload(0);
      const refused = connection.operation(WATCH, { sid: 'CAwsop3' });
      const event = await refused.event(0);
      expect(event.type).toBe('error');
      const errors = (event as { errors: { extensions?: Record<string, unknown> }[] }).errors;
      expect(errors[0]?.extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfterMs: 1000 });
      expect(stack.sim.stats.bySid.get('CAwsop3') ?? 0).toBe(0);
      running[0]?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const admitted = connection.operation(WATCH, { sid: 'CAwsop3' });
      expect((await admitted.payload(0)).data).toEqual({ callUpdates: { sid: 'CAwsop3', status: 'IN_PROGRESS' } });
    } finally {
      await connection.close();
    }
  });

  it('200 queries in one burst: at most 3 run at once, the rest are refused at once, cheaply, and the socket goes on', async () => {
    const connection = new WsConnection(wsUrlOf(stack.url), { connectionParams: { 'x-api-key': DEMO_API_KEY } });
    try {
      await connection.waitConnected();
      stack.sim.resetStats();
      const rss = process.memoryUsage().rss;
      const cpu = process.cpuUsage();
      const burst = Array.from({ length: 200 }, (_, i) => connection.operation(`{ calls(sids: ["CAwsburst${i}a", "CAwsburst${i}b"]) { sid } }`));
      for (const operation of burst) await operation.end();
      const used = process.cpuUsage(cpu);
      const refused = burst.filter((operation) => operation.events[0]?.type === 'error').length;
      expect(refused).toBeGreaterThan(150);
      expect(stack.sim.stats.maxInFlight).toBeLessThanOrEqual(6);
      // client and server together: about 1 ms of CPU per message, no memory kept
      expect((used.user + used.system) / 1000).toBeLessThan(1500);
      expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
      expect((await connection.query('{ call(sid: "CAwsop1") { status } }')).data).toEqual({ call: { status: 'IN_PROGRESS' } });
    } finally {
      await connection.close();
    }
  });
});

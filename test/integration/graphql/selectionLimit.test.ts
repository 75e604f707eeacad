/**
 * MAX_SELECTIONS over HTTP (limits/selectionCount.ts, checked before graphql's validation): a
 * document just under it runs; the red team's worst known document (one field repeated 440
 * times, 7 KB, within every other limit) is refused with HTTP 400 and
 * GRAPHQL_VALIDATION_FAILED, with no upstream request, and costs little CPU: the median of 20
 * distinct such documents stays under 25 ms (it took 360 ms to validate before the limit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { startStack, type Stack } from '../../support/stack.js';

describe('MAX_SELECTIONS (500 by default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAselect1', { status: 'completed', seconds: 3, cost: 0.1 });
  });
  afterAll(() => stack?.close());

  const post = (query: string) =>
    fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-api-key': DEMO_API_KEY },
      body: JSON.stringify({ query }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as { errors?: { extensions?: { code?: string }; message: string }[]; data?: unknown } }));

  it('just under it (499 selections): runs', async () => {
    // call + 498 × sid (same response key, merged by graphql)
    const response = await post(`{ call(sid: "CAselect1") { ${'sid '.repeat(498)} } }`);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it('far over it: 440 × recordings { url } in a 7 KB document is refused, cheaply, with nothing sent upstream', async () => {
    const before = stack.sim.stats.requests;
    const cpu: number[] = [];
    for (let i = 0; i < 20; i++) {
      // A distinct document each time: nothing is answered from the parse or validation caches.
      const query = `query Worst${i} { call(sid: "CAselect1") { ${'recordings { url } '.repeat(440)} } }`;
      const started = process.cpuUsage();
      const response = await post(query);
      const used = process.cpuUsage(started);
      cpu.push((used.user + used.system) / 1000);
      expect(response.status).toBe(400);
      expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(response.body.errors?.[0]?.message).toContain('MAX_SELECTIONS');
    }
    expect(stack.sim.stats.requests).toBe(before);
    const median = [...cpu].sort((a, b) => a - b)[10] as number;
    process.stderr.write(`[figures] 440 × recordings { url } (7 KB): median ${median.toFixed(1)} ms CPU over 20 distinct documents (client and server in one process)\n`);
    expect(median).toBeLessThan(25);
  });

  it('counts a fragment at each spread: 6 spreads of 100 fields are 600', async () => {
    const fields = Array.from({ length: 100 }, (_, i) => `a${i}: sid`).join(' ');
    const spreads = Array.from({ length: 6 }, (_, i) => `c${i}: call(sid: "CAselect1") { ...Many }`).join(' ');
    const response = await post(`{ ${spreads} } fragment Many on Call { ${fields} }`);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toContain('MAX_SELECTIONS');
  });
});

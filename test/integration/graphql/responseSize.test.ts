/**
 * MAX_RESPONSE_BYTES (graphql/responseSize.ts): `calls(sids: 1000 × one sid)` whose call
 * carries 240 KB of `data` is answered within the budget: the entries from where it would pass
 * are null with RESPONSE_TOO_LARGE (the first MAX_ERRORS of them, then TOO_MANY_ERRORS), the
 * upstream asked once; just under the budget, everything is answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { startStack, type Stack } from '../../support/stack.js';

const MAX = 8 * 1024 * 1024;
const PAGE = 'query P($sids: [ID!]!) { calls(sids: $sids) { sid data } }';

describe('MAX_RESPONSE_BYTES (8 MiB by default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAbig', { status: 'completed', seconds: 3, cost: 0.1, data: { transcript: 'x'.repeat(240_000) } });
  });
  afterAll(() => stack?.close());

  it('just under it: 30 copies of a 240 KB call are all answered', async () => {
    const response = await stack.gql<{ calls: unknown[] }>(PAGE, { sids: Array(30).fill('CAbig') });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.calls.every((row) => row !== null)).toBe(true);
  });

  it('far over it: 1000 copies are cut at the budget, in response order, with RESPONSE_TOO_LARGE', async () => {
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': 'demo-key' },
      body: JSON.stringify({ query: PAGE, variables: { sids: Array(1000).fill('CAbig') } }),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    const body = JSON.parse(text) as { data: { calls: (object | null)[] }; errors: { path?: unknown[]; extensions?: { code?: string } }[] };
    const answered = body.data.calls.findIndex((row) => row === null);
    expect(answered).toBeGreaterThan(25);
    expect(answered).toBeLessThan(40);
    expect(body.data.calls.slice(answered).every((row) => row === null)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(body.data))).toBeLessThanOrEqual(MAX);
    const codes = body.errors.map((error) => error.extensions?.code);
    expect(codes.slice(0, 100).every((code) => code === 'RESPONSE_TOO_LARGE')).toBe(true);
    expect(codes.at(-1)).toBe('TOO_MANY_ERRORS');
    expect(body.errors[0]?.path).toEqual(['calls', answered]);
    expect(stack.sim.stats.bySid.get('CAbig')).toBe(1);
    process.stderr.write(`[figures] calls(sids: 1000 × a 240 KB call): ${(text.length / 1e6).toFixed(1)} MB answered in ${ms.toFixed(0)} ms, RSS +${((process.memoryUsage().rss - rss) / 1e6).toFixed(0)} MB (was a 249 MB answer)\n`);
  });
});

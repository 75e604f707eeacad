/**
 * MAX_WAITING_CALLS_PER_TENANT counts every upstream call of a tenant that waits, for its pace
 * or for an upstream slot (governor/upstreamGovernor.ts `waitForSlot`): a tenant with no rate
 * limit at all cannot queue more either. Issue 18's flood (one WebSocket, 200 messages of 500
 * sids) queued 99,900 calls; here, at a small scale, one client asking for 5,000 calls against
 * a limit of 10 has at most 2 in flight and 10 queued at any moment, the rest refused at once, unsent, with the
 * server's CPU and memory looked at; another tenant is answered meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsConnection, wsUrlOf } from '../../support/graphqlWsClient.js';
import { codesOf, startStack, type Stack } from '../../support/stack.js';

const PROJECT = 'flood-project';
const PAGE = `query Page($sids: [ID!]!) { calls(sids: $sids, projectId: "${PROJECT}") { sid } }`;
type PageData = { calls: ({ sid: string } | null)[] };

let fresh = 0;
/** Sids of the synthetic project never asked before: each answers a completed call. */
const freshSids = (count: number) => Array.from({ length: count }, () => `CAflood${++fresh}`);

describe('MAX_WAITING_CALLS_PER_TENANT (10 here) with 2 upstream slots and no rate limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { upstreamConcurrency: 2, maxWaitingCallsPerTenant: 10 }, simulator: { syntheticProject: PROJECT, latencyMs: 30 } });
  });
  afterAll(() => stack?.close());

  it('just under it: 12 calls (2 in flight, 10 waiting for a slot) are all answered', async () => {
    stack.sim.resetStats();
    const response = await stack.gql<PageData>(PAGE, { sids: freshSids(12) });
    expect(response.body.errors).toBeUndefined();
    expect(stack.sim.stats.requests).toBe(12);
  });

  it('far over it: 10 pages of 500 at once are refused past it at once, unsent; CPU and memory stay small; another tenant is answered', async () => {
    stack.sim.resetStats();
    const rss = process.memoryUsage().rss;
    const cpu = process.cpuUsage();
    const pages = Array.from({ length: 10 }, () => stack.gql<PageData>(PAGE, { sids: freshSids(500) }));
    const other = await stack.gql<PageData>(PAGE, { sids: freshSids(1) }, stack.tenant());
    const responses = await Promise.all(pages);
    const used = process.cpuUsage(cpu);
    const answered = responses.reduce((sum, response) => sum + (response.body.data?.calls.filter((row) => row !== null).length ?? 0), 0);
    const codes = responses.flatMap(codesOf);
    // 2 in flight and 10 waiting at any moment: the pages arriving later get in as slots free up.
    expect(answered).toBeGreaterThanOrEqual(12);
    expect(answered).toBeLessThan(100);
    expect(codes.filter((code) => code === 'TOO_MANY_REQUESTS').length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['TOO_MANY_REQUESTS', 'TOO_MANY_ERRORS']));
    expect(other.body.errors).toBeUndefined();
    // the answered ones and the other tenant's: nothing refused was ever sent
    expect(stack.sim.stats.requests).toBe(answered + 1);
    expect(stack.server.stats().upstream.waiting).toBe(0);
    const cpuMs = (used.user + used.system) / 1000;
    const rssMb = (process.memoryUsage().rss - rss) / 1e6;
    process.stderr.write(`[figures] 5,000 calls against MAX_WAITING_CALLS_PER_TENANT=10: ${answered} sent, the rest refused; ${cpuMs.toFixed(0)} ms CPU (client and server), RSS +${rssMb.toFixed(0)} MB\n`);
    expect(cpuMs).toBeLessThan(3000);
    expect(rssMb).toBeLessThan(300);
  });

  it('one WebSocket, 100 messages of 200 sids in a burst: refused past it, its queries taking turns, /health answers meanwhile', async () => {
    stack.sim.resetStats();
    const connection = new WsConnection(wsUrlOf(stack.url), { connectionParams: { 'x-api-key': 'demo-key' } });
    try {
      await connection.waitConnected();
      let slowestHealth = 0;
      let probing = true;
      const probes = (async () => {
        while (probing) {
          const started = performance.now();
          await fetch(`${stack.url}/health`).then((answer) => answer.text());
          slowestHealth = Math.max(slowestHealth, performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const burst = Array.from({ length: 100 }, () => connection.operation(PAGE, { sids: freshSids(200) }));
      for (const operation of burst) await operation.end(10_000);
      probing = false;
      await probes;
      const codes = burst.flatMap((operation) => operation.nextEvents().flatMap((event) => (event.errors ?? []).map((error) => error.extensions?.code)));
      expect(codes).toContain('TOO_MANY_REQUESTS');
      expect(stack.sim.stats.requests).toBeLessThan(1000);
      process.stderr.write(`[figures] one WebSocket, 100 × 200 sids against MAX_WAITING_CALLS_PER_TENANT=10: ${stack.sim.stats.requests} sent, slowest /health ${slowestHealth.toFixed(0)} ms\n`);
      expect(slowestHealth).toBeLessThan(1000);
    } finally {
      await connection.close();
    }
  });
});

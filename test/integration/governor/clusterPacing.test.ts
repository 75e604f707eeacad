/**
 * Cluster-wide pacing (governor/sharedPace.ts): two instances sharing a real Redis pace one
 * rate-limited key together, so pages loaded through both lose no row and draw few 429s; with
 * Redis killed mid-run each paces alone and still no row fails. Counted by the simulator.
 * The limit (20/s, burst 20) is one every machine overshoots, however loaded, so a 429 always
 * teaches a pace; each test has a key of its own, so no pace learned by one carries over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type CallsServer } from '../../../src/app.js';
import { RedisSharedPace } from '../../../src/governor/sharedPace.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { RedisConnection } from '../../../src/redis/redisConnection.js';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { requireRedis, skipRedis, startRedis, type RedisServer } from '../../support/redisServer.js';
import { startStack, type Stack } from '../../support/stack.js';

const PAGE = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status } }';
type PageBody = { data?: { calls: (object | null)[] }; errors?: unknown[] };

describe.skipIf(skipRedis)('two instances pacing one key through Redis', () => {
  let redisServer: RedisServer;
  let stack: Stack;
  let second: CallsServer;
  let secondUrl: string;
  let fresh = 0;

  beforeAll(async () => {
    requireRedis();
    redisServer = await startRedis();
    stack = await startStack({
      // A wait budget no loaded machine runs out of: rows are paced, never failed RATE_LIMITED.
      config: { redisUrl: redisServer.url, redisKeySecret: 'cluster-pacing-secret', upstreamConcurrency: 16, staleIfErrorSeconds: 0, upstreamMaxWaitMs: 60_000 },
      simulator: { latencyMs: 20, rateLimit: { perSecond: 20, burst: 20 } },
    });
    second = createServer(stack.server.config, { logger: createLogger('warn', { write: () => undefined }) });
    secondUrl = await second.listen(0, '127.0.0.1');
    for (let waited = 0; !(stack.server.redis?.state === 'up' && second.redis?.state === 'up'); waited += 20) {
      if (waited > 5000) throw new Error('the instances never reached Redis');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  afterAll(async () => {
    await second?.close();
    await stack?.close();
    await redisServer?.stop();
  });

  const freshCalls = (count: number) =>
    Array.from({ length: count }, () => {
      const sid = `CAcluster${++fresh}`;
      stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 3, cost: 0.1 });
      return sid;
    });

  async function page(url: string, sids: string[], key: Record<string, string>): Promise<number> {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...key },
      body: JSON.stringify({ query: PAGE, variables: { sids } }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await response.json()) as PageBody;
    return (body.data?.calls ?? sids).filter((row) => row === null).length + (body.data ? 0 : sids.length);
  }

  /** Users on both instances, each loading `pages` pages of `size` fresh calls one after another. */
  async function usersOnBoth(key: Record<string, string>, pages: number, size: number, during?: () => Promise<void>): Promise<number> {
    const user = async (url: string) => {
      let failed = 0;
      for (let i = 0; i < pages; i++) failed += await page(url, freshCalls(size), key);
      return failed;
    };
    const users = [user(stack.url), user(secondUrl), user(stack.url), user(secondUrl)];
    await during?.();
    return (await Promise.all(users)).reduce((sum, failed) => sum + failed, 0);
  }

  it('a rate one instance learns paces the other before its first 429; 4 users across both stay within the one limit', { timeout: 40_000 }, async () => {
    const key = stack.tenant();
    stack.sim.resetStats();
    // The first lesson comes from A's 429s; B hears it through Redis, before any call of its own.
    expect(await page(stack.url, freshCalls(30), key)).toBe(0);
    expect(stack.sim.stats.rateLimited).toBeGreaterThan(0);
    expect(stack.server.stats().governor.pacedTenants).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    stack.sim.resetStats();
    expect(await page(secondUrl, freshCalls(10), key)).toBe(0);
    expect(stack.sim.stats.rateLimited).toBe(0);
    expect(second.stats().governor.pacedTenants).toBe(1);
    stack.sim.resetStats();
    const failed = await usersOnBoth(key, 1, 8);
    process.stderr.write(`[figures] two instances sharing Redis, 4 users × 1 page of 8 against 20/s per key: ${failed} rows failed, ${stack.sim.stats.requests} upstream requests, ${stack.sim.stats.rateLimited} 429s for 32 calls\n`);
    expect(failed).toBe(0);
    expect(stack.sim.stats.rateLimited).toBeLessThan(0.1 * 32);
    expect(stack.sim.stats.requests).toBeLessThanOrEqual(1.1 * 32);
  });

  it('one send schedule for both: reservations of one tenant through two connections are spaced at its rate', async () => {
    const [a, b] = [stack.server.redis, second.redis] as RedisConnection[];
    const paceA = new RedisSharedPace(a as RedisConnection, () => undefined);
    const paceB = new RedisSharedPace(b as RedisConnection, () => undefined);
    // Each reservation's send time is when it was asked (between `asked` and `answered`, on this
    // machine's clock, which Redis shares) plus the wait it got back.
    const sends: { earliest: number; latest: number; wait: number }[] = [];
    const reserve = async (pace: RedisSharedPace) => {
      const asked = Date.now();
      const wait = await pace.reserve('tenant-of-both', 10, 0, 5000);
      const answered = Date.now();
      expect(typeof wait).toBe('number');
      sends.push({ earliest: asked + (wait as number), latest: answered + (wait as number), wait: wait as number });
    };
    for (let i = 0; i < 3; i++) {
      await reserve(paceA);
      await reserve(paceB);
    }
    // 100 ms apart whichever instance asks; a slot only comes later when the asks themselves
    // were slower than the rate (a loaded machine), never sooner.
    for (let i = 1; i < sends.length; i++) {
      const [before, after] = [sends[i - 1], sends[i]] as [(typeof sends)[number], (typeof sends)[number]];
      expect(after.latest - before.earliest).toBeGreaterThanOrEqual(100 - 2);
      if (after.wait > 0) expect(after.earliest - before.latest).toBeLessThanOrEqual(100 + 2);
    }
    expect(sends.filter((send) => send.wait > 0).length).toBeGreaterThan(0);
    // past the wait budget: refused, nothing reserved
    expect(await paceA.reserve('tenant-of-both', 10, 0, 100)).toBe('over');
    // a pause told by one instance holds for the other
    expect(await paceA.reserve('paused-tenant', 10, 2000, 5000)).toBeGreaterThan(1900);
    expect(await paceB.reserve('paused-tenant', 10, 0, 5000)).toBeGreaterThan(1900);
  });

  it('Redis killed while both pace the key: each paces alone, no row fails', { timeout: 40_000 }, async () => {
    const key = stack.tenant();
    const pacedBefore = [stack.server.stats().governor.pacedTenants, second.stats().governor.pacedTenants];
    stack.sim.resetStats();
    let sentAtKill = 0;
    const failed = await usersOnBoth(key, 1, 8, async () => {
      // Killed once both pace the new key (429s taught it), not after a wall time.
      await expect
        .poll(() => stack.server.stats().governor.pacedTenants > (pacedBefore[0] as number) && second.stats().governor.pacedTenants > (pacedBefore[1] as number), {
          timeout: 10_000,
          interval: 5,
        })
        .toBe(true);
      await redisServer.kill();
      sentAtKill = stack.sim.stats.requests;
    });
    expect(failed).toBe(0);
    // Calls went on after Redis was gone: those past the burst of 20 wait out the pause the 429s began.
    expect(stack.sim.stats.requests).toBeGreaterThan(sentAtKill);
    await redisServer.restart();
  });
});

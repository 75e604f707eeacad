/**
 * Shared pollers across instances with Redis (a real `redis-server`): two servers on one
 * simulator, the same REDIS_URL and REDIS_KEY_SECRET. One poll per interval for a call
 * whatever the subscribers on either instance; another instance takes over within two
 * intervals when the polling one dies; with Redis down each instance polls for its own
 * subscribers and no subscription fails, and sharing resumes once it is back; two credentials
 * never share a poller or a result; NOT_FOUND and three failures reach subscribers of every
 * instance. Polls are counted with the simulator's counters; every wait is bounded.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createServer, type CallsServer } from '../src/server.js';
import { DEMO_API_KEY, DEMO_PROJECT_ID, type Simulator, startSimulator } from '../src/simulator/index.js';
import { makeCredential } from '../src/talkstack/credentials.js';
import { startRedis, requireRedis, type RedisServer, skipRedis } from './support/redisServer.js';
import { openSse, type SseSubscription, waitUntil } from './support/sse.js';

const POLL_MS = 200;
const SECRET = 'test-poll-secret';
const WATCH = 'subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status } }';
type Watch = { callUpdates: { sid: string; status: string } };
const KEY = { 'x-api-key': DEMO_API_KEY };
const OTHER_KEY = 'other-account-key';

interface Instance {
  server: CallsServer;
  url: string;
  logs: string[];
  closed: boolean;
}

const polls = (sim: Simulator, sid: string) => sim.stats.bySid.get(sid) ?? 0;
const ringing = (sid: string) => ({ status: 'ringing', callSid: sid });

describe.skipIf(skipRedis)('shared pollers across instances (Redis)', () => {
  let redis: RedisServer;
  let sim: Simulator;
  const instances: Instance[] = [];
  const opened: SseSubscription<Watch>[] = [];

  async function startInstance(overrides: Partial<Config> = {}): Promise<Instance> {
    const config = configWith({
      host: '127.0.0.1',
      port: 0,
      talkstackApiUrl: sim.url,
      talkstackProjectId: DEMO_PROJECT_ID,
      upstreamTimeoutMs: 2000,
      upstreamRetries: 0,
      callPollIntervalMs: POLL_MS,
      maxSubscriptionsPerCredential: 200,
      redisUrl: redis.url,
      redisKeySecret: SECRET,
      ...overrides,
    });
    const logs: string[] = [];
    const server = createServer(config, { logger: createLogger('debug', { write: (line: string) => void logs.push(line) }) });
    const url = await server.listen(0, '127.0.0.1');
    const instance = { server, url, logs, closed: false };
    instances.push(instance);
    await waitUntil(() => server.redis?.state === 'up', 'the instance reached Redis');
    return instance;
  }

  async function closeInstance(instance: Instance): Promise<void> {
    if (instance.closed) return;
    instance.closed = true;
    await instance.server.close();
  }

  async function watchMany(instance: Instance, sid: string, count: number, headers: Record<string, string> = KEY) {
    const subscriptions = await Promise.all(Array.from({ length: count }, () => openSse<Watch>(instance.url, WATCH, { sid }, headers)));
    opened.push(...subscriptions);
    return subscriptions;
  }

  const pollingFor = (list: Instance[]) => list.reduce((sum, instance) => sum + instance.server.pollers.active, 0);

  /** Polls of `sid` (or as `count` says) over `intervals` poll intervals, per interval. */
  async function rateOver(count: () => number, intervals: number): Promise<number> {
    const base = count();
    const start = performance.now();
    await waitUntil(() => performance.now() - start >= intervals * POLL_MS, `${intervals} intervals`, intervals * POLL_MS * 3);
    return (count() - base) / ((performance.now() - start) / POLL_MS);
  }

  async function allGet(subscriptions: SseSubscription<Watch>[], index: number, status: string) {
    for (const subscription of subscriptions) {
      const payload = await subscription.payload(index);
      expect(payload.errors, JSON.stringify(payload.errors)).toBeUndefined();
      expect(payload.data?.callUpdates.status).toBe(status);
    }
  }

  const noneEnded = (subscriptions: SseSubscription<Watch>[]) =>
    subscriptions.every((s) => s.events.every((e) => e.event === 'next') && s.nextEvents().every((p) => p.errors === undefined));

  beforeAll(async () => {
    requireRedis();
    redis = await startRedis();
    sim = await startSimulator({ seedDemo: true });
    sim.addAccount('other', { apiKeys: [OTHER_KEY] });
  });
  afterEach(async () => {
    for (const subscription of opened.splice(0)) subscription.close();
    for (const instance of instances.splice(0)) await closeInstance(instance);
    sim.clearFaults();
  });
  afterAll(async () => {
    await sim?.close();
    await redis?.stop();
  });

  it('two instances × 25 subscribers of one call: one poll per interval in total, each change to all 50', async () => {
    const sid = 'CAredis_fifty';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const subscriptions = [...(await watchMany(a, sid, 25)), ...(await watchMany(b, sid, 25))];
    await allGet(subscriptions, 0, 'RINGING');
    expect([a.server.pollers.pollers, b.server.pollers.pollers]).toEqual([1, 1]);
    expect(pollingFor([a, b])).toBe(1);

    const rate = await rateOver(() => polls(sim, sid), 15);
    console.log(`[figure] two instances sharing Redis, 25+25 subscribers of one call: ${rate.toFixed(2)} polls per interval (${POLL_MS} ms)`);
    expect(rate).toBeGreaterThan(0.8);
    expect(rate).toBeLessThanOrEqual(1.15);

    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
    await allGet(subscriptions, 1, 'IN_PROGRESS');
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', callSid: sid, seconds: 4, cost: 0.01 });
    await allGet(subscriptions, 2, 'COMPLETED');
    for (const subscription of subscriptions) await subscription.end();
    await waitUntil(() => a.server.pollers.pollers + b.server.pollers.pollers === 0, 'both pollers stopped');
  });

  it('a subscriber joining on the other instance gets the current call at once, without an upstream request', async () => {
    const sid = 'CAredis_late';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    // A long interval: an extra upstream request would show before the next scheduled poll.
    const [a, b] = [await startInstance({ callPollIntervalMs: 5000 }), await startInstance({ callPollIntervalMs: 5000 })] as [Instance, Instance];
    const [first] = await watchMany(a, sid, 1);
    await allGet([first as SseSubscription<Watch>], 0, 'RINGING');
    expect(polls(sim, sid)).toBe(1);
    const started = performance.now();
    const [late] = await watchMany(b, sid, 1);
    await allGet([late as SseSubscription<Watch>], 0, 'RINGING');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(polls(sim, sid)).toBe(1);
    expect([a.server.pollers.active, b.server.pollers.active]).toEqual([1, 0]);
  });

  it("the polling instance dies: another takes over within two intervals, and its subscribers keep getting updates", async () => {
    const sid = 'CAredis_takeover';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const onA = await watchMany(a, sid, 5);
    const onB = await watchMany(b, sid, 5);
    await allGet([...onA, ...onB], 0, 'RINGING');
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls');
    const [holder, survivor, survivors] = a.server.pollers.active === 1 ? [a, b, onB] : [b, a, onA];

    // Right after a poll was answered (none in flight, so every later poll is the survivor's).
    const before = polls(sim, sid);
    await waitUntil(() => polls(sim, sid) > before && sim.stats.inFlight === 0, 'a poll was answered');
    // A crash as Redis sees it: the holder's lease is not given back, it has to expire.
    holder.server.redis?.close();
    const crashedAt = Date.now();
    const logged = sim.requestLog.length;
    void closeInstance(holder);
    const nextPoll = () => sim.requestLog.slice(logged).find((entry) => entry.sid === sid);
    await waitUntil(() => nextPoll() !== undefined, 'the next poll', POLL_MS * 10);
    const takeover = (nextPoll()?.at ?? 0) - crashedAt;
    console.log(`[figure] takeover after the polling instance died: next poll ${takeover} ms later (interval ${POLL_MS} ms, lease ${POLL_MS * 1.5} ms)`);
    // Two intervals, and some tolerance for timers in a process shared with the simulator.
    expect(takeover).toBeLessThanOrEqual(2 * POLL_MS + 100);
    expect(survivor.server.pollers.active).toBe(1);

    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
    await allGet(survivors, 1, 'IN_PROGRESS');
    const rate = await rateOver(() => polls(sim, sid), 10);
    expect(rate).toBeGreaterThan(0.8);
    expect(rate).toBeLessThanOrEqual(1.15);
  });

  it('the polling instance closes normally: it gives the lease back and another takes over at its next tick', async () => {
    const sid = 'CAredis_handover';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const onA = await watchMany(a, sid, 2);
    const onB = await watchMany(b, sid, 2);
    await allGet([...onA, ...onB], 0, 'RINGING');
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls');
    const [holder, survivor] = a.server.pollers.active === 1 ? [a, b] : [b, a];
    const before = polls(sim, sid);
    await waitUntil(() => polls(sim, sid) > before && sim.stats.inFlight === 0, 'a poll was answered');
    const closedAt = Date.now();
    const logged = sim.requestLog.length;
    await closeInstance(holder);
    await waitUntil(() => survivor.server.pollers.active === 1, 'the other instance polls', POLL_MS * 4);
    const nextPoll = () => sim.requestLog.slice(logged).find((entry) => entry.sid === sid);
    await waitUntil(() => nextPoll() !== undefined, 'the next poll', POLL_MS * 10);
    const handover = (nextPoll()?.at ?? 0) - closedAt;
    console.log(`[figure] handover after the polling instance closed: next poll ${handover} ms later`);
    // On the schedule: about one interval after the last poll, not a lease's lifetime.
    expect(handover).toBeLessThanOrEqual(POLL_MS + 100);
  });

  it('Redis killed mid-run: each instance polls for its own subscribers, nobody fails; back: one poller again', async () => {
    const sid = 'CAredis_outage';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const subscriptions = [...(await watchMany(a, sid, 5)), ...(await watchMany(b, sid, 5))];
    await allGet(subscriptions, 0, 'RINGING');
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls');

    await redis.kill();
    await waitUntil(() => a.server.pollers.active === 1 && b.server.pollers.active === 1, 'both instances poll for themselves', POLL_MS * 10);
    const down = await rateOver(() => polls(sim, sid), 10);
    console.log(`[figure] Redis down, two instances: ${down.toFixed(2)} polls per interval`);
    expect(down).toBeGreaterThan(1.6);
    expect(down).toBeLessThanOrEqual(2.3);
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
    await allGet(subscriptions, 1, 'IN_PROGRESS');
    expect(noneEnded(subscriptions)).toBe(true);

    await redis.restart();
    await waitUntil(() => a.server.redis?.state === 'up' && b.server.redis?.state === 'up', 'both reached Redis again', 10_000);
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls again', 10_000);
    const up = await rateOver(() => polls(sim, sid), 10);
    console.log(`[figure] Redis back, two instances: ${up.toFixed(2)} polls per interval`);
    expect(up).toBeGreaterThan(0.8);
    expect(up).toBeLessThanOrEqual(1.15);
    // The instance that does not poll hears from the one that does.
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'ringing', callSid: sid, from: '+14155550132' });
    await allGet(subscriptions, 2, 'RINGING');
    expect(noneEnded(subscriptions)).toBe(true);
  });

  it('two credentials watching the same sid never share a poller, a result or a key that names them', async () => {
    const sid = 'CAredis_two_credentials';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid }, 'other');
    const other = { 'x-api-key': OTHER_KEY };
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const demo = [...(await watchMany(a, sid, 3)), ...(await watchMany(b, sid, 2))];
    const theirs = [...(await watchMany(b, sid, 3, other)), ...(await watchMany(a, sid, 2, other))];
    await allGet(demo, 0, 'RINGING');
    await allGet(theirs, 0, 'IN_PROGRESS');
    expect([a.server.pollers.pollers, b.server.pollers.pollers]).toEqual([2, 2]);
    expect(pollingFor([a, b])).toBe(2);

    const byKey = (key: string) => () => sim.requestLog.filter((entry) => entry.sid === sid && entry.apiKey === key).length;
    const [demoRate, otherRate] = await Promise.all([rateOver(byKey(DEMO_API_KEY), 10), rateOver(byKey(OTHER_KEY), 10)]);
    expect(demoRate).toBeGreaterThan(0.8);
    expect(demoRate).toBeLessThanOrEqual(1.15);
    expect(otherRate).toBeGreaterThan(0.8);
    expect(otherRate).toBeLessThanOrEqual(1.15);
    // Nobody saw the other credential's call.
    for (const subscription of demo) expect(subscription.nextEvents().map((p) => p.data?.callUpdates.status)).toEqual(['RINGING']);
    for (const subscription of theirs) expect(subscription.nextEvents().map((p) => p.data?.callUpdates.status)).toEqual(['IN_PROGRESS']);

    const keys = await redis.client().keys('talkstack:poll:*');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const fingerprints = new Set(keys.map((key) => key.split(':')[2]));
    expect(fingerprints.size).toBe(2);
    const secrets = [DEMO_API_KEY, OTHER_KEY, makeCredential(undefined, DEMO_API_KEY)?.id, makeCredential(undefined, OTHER_KEY)?.id, sid] as string[];
    for (const key of keys) for (const secret of secrets) expect(key).not.toContain(secret);
  });

  it('three failed polls in a row end the subscribers of every instance, with three upstream requests in all', async () => {
    const sid = 'CAredis_failures';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const subscriptions = [...(await watchMany(a, sid, 3)), ...(await watchMany(b, sid, 3))];
    await allGet(subscriptions, 0, 'RINGING');
    const fault = sim.injectFault(sid, { type: 'status', status: 502 });
    for (const subscription of subscriptions) {
      await subscription.end();
      const nexts = subscription.nextEvents();
      expect(nexts, JSON.stringify(subscription.events)).toHaveLength(2);
      expect(nexts[1]?.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_ERROR']);
      expect(subscription.events.at(-1)?.event).toBe('complete');
    }
    expect(fault.hits).toBe(3);
  });

  it('an unknown call: one NOT_FOUND on every instance, from one upstream request', async () => {
    const sid = 'CAredis_unknown';
    // The poll answers late, so both instances are subscribed when it does.
    sim.injectFault(sid, { type: 'delay', ms: 400 });
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const subscriptions = [...(await watchMany(a, sid, 2))];
    await waitUntil(() => pollingFor([a]) === 1, 'the first instance polls');
    subscriptions.push(...(await watchMany(b, sid, 2)));
    for (const subscription of subscriptions) {
      await subscription.end();
      const nexts = subscription.nextEvents();
      expect(nexts, JSON.stringify(subscription.events)).toHaveLength(1);
      expect(nexts[0]?.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    }
    expect(polls(sim, sid)).toBe(1);
  });
});

/**
 * Shared pollers across instances with Redis (subscriptions/redisPollSharing.ts,
 * pollMessages.ts; a real `redis-server`): two servers on one simulator, the same REDIS_URL and
 * REDIS_KEY_SECRET. One poll per interval for a call whatever the subscribers on either
 * instance; a subscriber joining on the other instance gets the current call at once; another
 * instance takes over within two intervals when the polling one dies, and at its next tick when
 * it closes; with Redis down each instance polls for its own subscribers and no subscription
 * fails, and sharing resumes once it is back; two credentials never share a poller, a result or
 * a key that names them; NOT_FOUND and three failures reach subscribers of every instance.
 * Redis is shared storage: forged messages on a poll channel and forged `:last` values (null,
 * {}, another call, a forged final, unknown codes, long text, wrong MACs) are no messages at
 * all: the process stays up, subscribers go on with the real holder's updates, and no forged
 * text reaches a client. Polls are counted with the simulator's counters; every wait is bounded.
 * (One instance: sharedPollers.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Call, CallAddress } from '../../../src/calls/call.js';
import { sharedCallBytesLimit } from '../../../src/calls/callShape.js';
import type { Config } from '../../../src/config/config.js';
import { configWith } from '../../support/config.js';
import { type PollChannel, sealPollMessage } from '../../../src/subscriptions/pollMessages.js';
import { redisPollKeyOf } from '../../../src/identity/keys.js';
import { pollSigningKeyOf } from '../../../src/subscriptions/redisPollSharing.js';
import { createServer, type CallsServer } from '../../../src/app.js';
import { createLogger } from '../../../src/logging/logger.js';
import { DEMO_API_KEY, DEMO_PROJECT_ID, type Simulator, startSimulator } from '../../../src/simulator/index.js';
import { makeCredential } from '../../../src/identity/credential.js';
import { startRedis, requireRedis, type RedisServer, skipRedis } from '../../support/redisServer.js';
import { openSse, type SseSubscription, waitUntil } from '../../support/sse.js';
import { mappedCall } from '../../support/callFixtures.js';

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

function liveCall({ projectId, sid }: CallAddress): Call {
  return mappedCall({ sid, projectId, status: 'RINGING', upstreamStatus: 'ringing', isFinal: false });
}

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

  const pollingFor = (list: Instance[]) => list.reduce((sum, instance) => sum + instance.server.stats().pollers.active, 0);

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

  it('two instances × 10 subscribers of one call: one poll per interval in total, each change to all 20', async () => {
    const sid = 'CAredis_twenty';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const subscriptions = [...(await watchMany(a, sid, 10)), ...(await watchMany(b, sid, 10))];
    await allGet(subscriptions, 0, 'RINGING');
    expect([a.server.stats().pollers.pollers, b.server.stats().pollers.pollers]).toEqual([1, 1]);
    // (On a loaded machine a late lease command can make both poll for a moment: the Redis-down fallback.)
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls');

    const rate = await rateOver(() => polls(sim, sid), 10);
    console.log(`[figure] two instances sharing Redis, 10+10 subscribers of one call: ${rate.toFixed(2)} polls per interval (${POLL_MS} ms)`);
    expect(rate).toBeGreaterThan(0.5); // polling goes on (a loaded machine runs timers late: the ceiling is what counts)
    expect(rate).toBeLessThanOrEqual(1.15);

    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
    await allGet(subscriptions, 1, 'IN_PROGRESS');
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', callSid: sid, seconds: 4, cost: 0.01 });
    await allGet(subscriptions, 2, 'COMPLETED');
    for (const subscription of subscriptions) await subscription.end();
    await waitUntil(() => a.server.stats().pollers.pollers + b.server.stats().pollers.pollers === 0, 'both pollers stopped');
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
    expect([a.server.stats().pollers.active, b.server.stats().pollers.active]).toEqual([1, 0]);
  });

  it("the polling instance dies: another takes over within two intervals, and its subscribers keep getting updates", async () => {
    const sid = 'CAredis_takeover';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const onA = await watchMany(a, sid, 5);
    const onB = await watchMany(b, sid, 5);
    await allGet([...onA, ...onB], 0, 'RINGING');
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls');
    const [holder, survivor, survivors] = a.server.stats().pollers.active === 1 ? [a, b, onB] : [b, a, onA];

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
    // Two intervals (the lease's 1.5, then a tick), and one more for timers in a process shared
    // with the simulator and a loaded machine: a lease that outlived its TTL would take far longer.
    expect(takeover).toBeLessThanOrEqual(3 * POLL_MS);
    expect(survivor.server.stats().pollers.active).toBe(1);

    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
    await allGet(survivors, 1, 'IN_PROGRESS');
    const rate = await rateOver(() => polls(sim, sid), 10);
    expect(rate).toBeGreaterThan(0.5); // polling goes on (a loaded machine runs timers late: the ceiling is what counts)
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
    const [holder, survivor] = a.server.stats().pollers.active === 1 ? [a, b] : [b, a];
    // What becomes of the lease, heard from Redis: given back (`del`), or left to expire (`expired`).
    const leaseKey = `${channelOf(holder, sid).channel}:lease`;
    const [admin, listener] = [redis.client(), redis.client()];
    const heard: string[] = [];
    try {
      await admin.config('SET', 'notify-keyspace-events', 'Kgx');
      listener.on('message', (_channel: string, event: string) => void heard.push(event));
      await listener.subscribe(`__keyspace@0__:${leaseKey}`);
      const before = polls(sim, sid);
      await waitUntil(() => polls(sim, sid) > before && sim.stats.inFlight === 0, 'a poll was answered');
      const closedAt = Date.now();
      const logged = sim.requestLog.length;
      await closeInstance(holder);
      await waitUntil(() => survivor.server.stats().pollers.active === 1, 'the other instance polls', POLL_MS * 4);
      const nextPoll = () => sim.requestLog.slice(logged).find((entry) => entry.sid === sid);
      await waitUntil(() => nextPoll() !== undefined, 'the next poll', POLL_MS * 10);
      const handover = (nextPoll()?.at ?? 0) - closedAt;
      console.log(`[figure] handover after the polling instance closed: next poll ${handover} ms later`);
      await waitUntil(() => heard.includes('del'), 'the lease given back', POLL_MS * 5);
      // The holder's lease, up to its `del`: the survivor's own lease comes after (and on a
      // loaded machine may lapse between two late renewals, which is not this test's concern).
      expect(heard.slice(0, heard.indexOf('del'))).not.toContain('expired');
      // On the schedule: about one interval after the last poll (not a lease's lifetime: that the
      // lease was given back says), with room for timers on a loaded machine.
      expect(handover).toBeLessThanOrEqual(3 * POLL_MS);
    } finally {
      listener.disconnect();
      await admin.config('SET', 'notify-keyspace-events', '').catch(() => undefined);
      admin.disconnect();
    }
  });

  it('Redis killed mid-run: each instance polls for its own subscribers, nobody fails; back: one poller again', async () => {
    const sid = 'CAredis_outage';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const subscriptions = [...(await watchMany(a, sid, 5)), ...(await watchMany(b, sid, 5))];
    await allGet(subscriptions, 0, 'RINGING');
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls');

    await redis.kill();
    await waitUntil(() => a.server.stats().pollers.active === 1 && b.server.stats().pollers.active === 1, 'both instances poll for themselves', POLL_MS * 10);
    const down = await rateOver(() => polls(sim, sid), 10);
    console.log(`[figure] Redis down, two instances: ${down.toFixed(2)} polls per interval`);
    expect(down).toBeGreaterThan(1.25); // each instance polls alone: about 2, clearly more than the shared 1
    expect(down).toBeLessThanOrEqual(2.3);
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
    await allGet(subscriptions, 1, 'IN_PROGRESS');
    expect(noneEnded(subscriptions)).toBe(true);

    await redis.restart();
    await waitUntil(() => a.server.redis?.state === 'up' && b.server.redis?.state === 'up', 'both reached Redis again', 10_000);
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls again', 10_000);
    const up = await rateOver(() => polls(sim, sid), 10);
    console.log(`[figure] Redis back, two instances: ${up.toFixed(2)} polls per interval`);
    expect(up).toBeGreaterThan(0.5);
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
    expect([a.server.stats().pollers.pollers, b.server.stats().pollers.pollers]).toEqual([2, 2]);
    await waitUntil(() => pollingFor([a, b]) === 2, 'one instance polls for each credential');

    const byKey = (key: string) => () => sim.requestLog.filter((entry) => entry.sid === sid && entry.apiKey === key).length;
    const [demoRate, otherRate] = await Promise.all([rateOver(byKey(DEMO_API_KEY), 10), rateOver(byKey(OTHER_KEY), 10)]);
    expect(demoRate).toBeGreaterThan(0.5);
    expect(demoRate).toBeLessThanOrEqual(1.15);
    expect(otherRate).toBeGreaterThan(0.5);
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

  /** the channel of `sid` for the demo key, and its key, as a forger knowing REDIS_KEY_SECRET would have them */
  function channelOf(instance: Instance, sid: string): PollChannel {
    const redisConnection = instance.server.redis;
    const credential = makeCredential(undefined, DEMO_API_KEY);
    if (!redisConnection || !credential) throw new Error('no Redis or credential');
    const address = { projectId: DEMO_PROJECT_ID, sid };
    return { channel: redisPollKeyOf(redisConnection.keyFingerprint(credential), address), address, signingKey: pollSigningKeyOf(redisConnection), maxBytes: sharedCallBytesLimit(262_144) };
  }

  const FORGED_TEXT = 'Your account is suspended: call +1-555-SCAM';
  /** everything a forger may send: signed (with the key: no REDIS_KEY_SECRET, or it leaked) and not */
  function forgeries(channel: PollChannel): [string, string][] {
    const { sid } = channel.address;
    const call = (fields: Record<string, unknown>) => JSON.stringify({ ...liveCall(channel.address), ...fields });
    const signed = (body: string) => sealPollMessage('evil', body, channel);
    const completed = call({ status: 'COMPLETED', upstreamStatus: 'completed', isFinal: true });
    return [
      ['old format, null', 'evil\nc\nnull'],
      ['old format, failure with text', `evil\nf\n${JSON.stringify({ code: 'FORBIDDEN', message: FORGED_TEXT })}`],
      ['a forged final with a wrong MAC', `evil\n${'A'.repeat(32)}\nc\n${completed}`],
      ['a forged final signed for another channel', sealPollMessage('evil', `c\n${completed}`, { ...channel, channel: `${channel.channel}x` })],
      ['a forged failure signed with another key', sealPollMessage('evil', 'f\nUPSTREAM_ERROR', { ...channel, signingKey: 'guessed' })],
      ['null', signed('c\nnull')],
      ['{}', signed('c\n{}')],
      ['not JSON', signed('c\n{"sid":')],
      ['another sid', signed(`c\n${call({ sid: `${sid}x`, data: { injected: FORGED_TEXT } })}`)],
      ['another project', signed(`c\n${call({ projectId: 'other', data: { injected: FORGED_TEXT } })}`)],
      ['isFinal forged on a live call', signed(`c\n${call({ isFinal: true })}`)],
      ['a status its upstream status does not map to', signed(`c\n${call({ status: 'COMPLETED', isFinal: true })}`)],
      ['a forged recording', signed(`c\n${call({ recordings: [{ url: 'javascript:alert(1)', sid: null, format: 'MP3' }] })}`)],
      ['a forged phone number', signed(`c\n${call({ from: FORGED_TEXT })}`)],
      ['data deeper than the cut', signed(`c\n${call({ data: JSON.parse('{"a":'.repeat(60) + '1' + '}'.repeat(60)) })}`)],
      ['a failure with text (JSON payload)', signed(`f\n${JSON.stringify({ code: 'FORBIDDEN', message: FORGED_TEXT })}`)],
      ['an unknown code', signed('f\nNOT_A_CODE')],
      ['a code no poll fails with', signed('f\nTOO_MANY_SUBSCRIPTIONS')],
      ['a long message', signed(`f\n${FORGED_TEXT.repeat(10_000)}`)],
      ['a not-found with a payload', signed(`n\n${FORGED_TEXT}`)],
      ['an unknown kind', signed(`x\n${FORGED_TEXT}`)],
      ['over the size bound', signed(`c\n${call({ data: { big: 'z'.repeat(1_100_000) } })}`)],
    ];
  }

  const noForgedText = (subscriptions: SseSubscription<Watch>[]) => {
    for (const subscription of subscriptions) {
      const text = JSON.stringify(subscription.events);
      expect(text).not.toContain('SCAM');
      expect(text).not.toContain('injected');
    }
  };

  it('a forged lease (never expiring, malformed, of another type, or set for an hour) is taken over within two intervals', async () => {
    const instance = await startInstance();
    const client = redis.client();
    const fingerprint = instance.server.redis?.keyFingerprint(makeCredential(undefined, DEMO_API_KEY) as never) as string;
    const forgeries: [string, (key: string) => Promise<unknown>][] = [
      ['never expiring', (key) => client.set(key, 'AAAAAAAAAAAAAAAA')],
      ['malformed', (key) => client.set(key, 'not an instance id', 'PX', 3_600_000)],
      ['another type', (key) => client.hset(key, 'holder', 'x')],
      ['an hour long', (key) => client.set(key, 'BBBBBBBBBBBBBBBB', 'PX', 3_600_000)],
    ];
    for (const [name, forge] of forgeries) {
      const sid = `CAforgedLease${name.replace(/\W/g, '')}`;
      sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
      await forge(`${redisPollKeyOf(fingerprint, { projectId: DEMO_PROJECT_ID, sid })}:lease`);
      const started = performance.now();
      const [subscription] = await watchMany(instance, sid, 1);
      const first = await (subscription as SseSubscription<Watch>).payload(0, 2000);
      expect(first.data?.callUpdates.status, name).toBe('RINGING');
      expect(performance.now() - started, name).toBeLessThan(2 * POLL_MS * 1.5 + 500);
    }
  });

  it('forged messages on a poll channel (each three times) are no messages: no crash, followers keep the real holder\'s updates, no forged text reaches a client', async () => {
    const sid = 'CAredis_forged';
    sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
    const [a, b] = [await startInstance(), await startInstance()] as [Instance, Instance];
    const subscriptions = [...(await watchMany(a, sid, 2)), ...(await watchMany(b, sid, 2))];
    await allGet(subscriptions, 0, 'RINGING');
    await waitUntil(() => pollingFor([a, b]) === 1, 'one instance polls');
    const follower = a.server.stats().pollers.active === 0 ? a : b;
    const channel = channelOf(follower, sid);
    const client = redis.client();
    try {
      // Both instances hear the channel (a follower must, or it polls for itself).
      expect(await client.pubsub('NUMSUB', channel.channel)).toEqual([channel.channel, 2]);
      const forged = forgeries(channel);
      for (const [, message] of forged) for (let i = 0; i < 3; i++) await client.publish(channel.channel, message);
      // Published after every forgery, so heard after them: the holder's next update reaches everyone.
      sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', callSid: sid });
      await allGet(subscriptions, 1, 'IN_PROGRESS');
      sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', callSid: sid, seconds: 3, cost: 0.01 });
      await allGet(subscriptions, 2, 'COMPLETED');
      for (const subscription of subscriptions) {
        await subscription.end();
        expect(subscription.nextEvents().map((p) => p.data?.callUpdates.status)).toEqual(['RINGING', 'IN_PROGRESS', 'COMPLETED']);
        expect(subscription.nextEvents().every((p) => p.errors === undefined)).toBe(true);
      }
      noForgedText(subscriptions);
      // Nothing was thrown on the way (listeners or the message handler would have logged it).
      for (const instance of [a, b]) expect(instance.logs.filter((line) => /failed; it was|subscriber failed/.test(line))).toEqual([]);
      expect(forged.length).toBeGreaterThan(20);
    } finally {
      client.disconnect();
    }
  });

  it('a forged `:last` (null, {}, another call, a forged final, unsigned, too large) is not delivered to a joiner: its first event is the real call', async () => {
    const c = await startInstance();
    const client = redis.client();
    try {
      // One call per forgery, all joined at once.
      const forged = (sid: string): [string, string][] => {
        const channel = channelOf(c, sid);
        const completed = JSON.stringify({ ...liveCall(channel.address), status: 'COMPLETED', upstreamStatus: 'completed', isFinal: true });
        return [
          ...forgeries(channel).filter(([, message]) => message.includes('\nc\n')),
          ['a signed not-found', sealPollMessage('evil', 'n\n', channel)],
          ['a signed failure', sealPollMessage('evil', 'f\nUPSTREAM_ERROR', channel)],
          ['an unsigned final', `evil\n${'A'.repeat(32)}\nc\n${completed}`],
        ];
      };
      const cases = forged('CAredis_forged_last').map(([label], i) => {
        const sid = `CAredis_forged_last${i}`;
        const [, value] = forged(sid)[i] as [string, string];
        return { label, sid, value, channel: channelOf(c, sid).channel };
      });
      // Nobody polls while the forger holds the lease (one that looks like an instance's, for
      // less than two leases: a longer or malformed one is taken over at once): a joiner hears
      // nothing but `:last`. The forger renews its leases every 100 ms, as a real holder would,
      // so none expires however long the setup takes on a loaded machine.
      const holdLeases = () => Promise.all(cases.map(({ channel }) => client.set(`${channel}:lease`, 'EVILEVILEVILEVIL', 'PX', 590)));
      let renewing: Promise<unknown> = holdLeases();
      await renewing;
      const renewal = setInterval(() => void (renewing = holdLeases()), 100);
      let joiners: SseSubscription<Watch>[];
      try {
        for (const { sid, value, channel } of cases) {
          sim.setCall(DEMO_PROJECT_ID, sid, ringing(sid));
          await client.set(`${channel}:last`, value, 'PX', 60_000);
        }
        joiners = await Promise.all(cases.map(async ({ sid }) => ((await watchMany(c, sid, 1)) as [SseSubscription<Watch>])[0]));
        // A joiner reads `:last` before it tries the lease; two ticks cover both.
        const joined = performance.now();
        await waitUntil(() => performance.now() - joined >= POLL_MS, 'two ticks', POLL_MS * 5);
        cases.forEach(({ label }, i) => expect(joiners[i]?.events, label).toEqual([]));
        expect(c.server.stats().pollers.active).toBe(0);
      } finally {
        clearInterval(renewal);
        await renewing;
      }
      // The leases are free again: the joiners' instance takes them and polls the real calls.
      await client.del(...cases.map(({ channel }) => `${channel}:lease`));
      for (const [i, { label, sid }] of cases.entries()) {
        const first = await (joiners[i] as SseSubscription<Watch>).payload(0);
        expect(first.errors, `${label}: ${JSON.stringify(first.errors)}`).toBeUndefined();
        expect(first.data?.callUpdates, label).toEqual({ sid, status: 'RINGING' });
      }
      noForgedText(joiners);
      expect(cases.length).toBeGreaterThan(15);
      expect(c.logs.filter((line) => /failed; it was|subscriber failed/.test(line))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});

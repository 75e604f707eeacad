/**
 * The memory layer of the fetch pipeline (fetch/callStore.ts) over real HTTP, counted with
 * the simulator's own counters: repeated refreshes of settled final calls cost one upstream
 * request per call and credential, while unfinished, unknown and failed calls always go
 * upstream; CACHE_TTL_SECONDS=0 turns it off. (The layer on its own, with an injected clock:
 * test/unit/fetch/callStore.test.ts; which calls are kept and how long:
 * test/unit/fetch/cachePolicy.test.ts; shared by instances through Redis:
 * redisSharedCache.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { codesOf, startStack, type Stack } from '../../support/stack.js';

const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef.mp3';

describe('over HTTP, counted upstream', () => {
  let stack: Stack;
  const PAGE = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status durationSeconds recordings { url } } }';
  const finals = Array.from({ length: 100 }, (_, i) => `CAcache_final${i}`);

  beforeAll(async () => {
    stack = await startStack();
    for (const sid of finals) stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 42, cost: 0.02, recordingUrls: [RECORDING] });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcache_live', { status: 'in-progress' });
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.sim.resetStats());

  it('10 identical refreshes of a page of 100 final calls cost one upstream request per call', async () => {
    for (let refresh = 0; refresh < 10; refresh++) {
      const answer = await stack.gql<{ calls: { status: string }[] }>(PAGE, { sids: finals });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.calls.map((c) => c.status)).toEqual(finals.map(() => 'COMPLETED'));
    }
    expect(stack.sim.stats.requests).toBe(finals.length);
    // Later refreshes are answered by memory (or by the whole-answer fast path above it).
    expect(stack.server.stats().fetch.memory.miss).toBe(finals.length);
    process.stderr.write(`[figures] one instance, no Redis: 10 refreshes x ${finals.length} final calls -> ${stack.sim.stats.requests} upstream requests\n`);
  });

  it('an unfinished call is fetched on every request', async () => {
    for (let refresh = 0; refresh < 3; refresh++) await stack.gql(PAGE, { sids: ['CAcache_live'] });
    expect(stack.sim.stats.bySid.get('CAcache_live')).toBe(3);
  });

  it('never shared between credentials: each one pays its own first request', async () => {
    const sid = 'CAcache_creds';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy' });
    const bearer = { authorization: `Bearer ${DEMO_BEARER_TOKEN}` };
    const key = { 'x-api-key': DEMO_API_KEY };
    for (const headers of [key, bearer, key, bearer]) {
      expect((await stack.gql(PAGE, { sids: [sid] }, headers)).body.errors).toBeUndefined();
    }
    expect(stack.sim.stats.bySid.get(sid)).toBe(2);
  });

  it('a failure or an unknown call is not kept: the next request goes upstream again', async () => {
    const sid = 'CAcache_flaky';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy' });
    stack.sim.injectFault(sid, { type: 'status', status: 403, times: 1 });
    expect(codesOf(await stack.gql(PAGE, { sids: [sid] }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await stack.gql(PAGE, { sids: [sid] }))).toEqual([]);
    await stack.gql(PAGE, { sids: [sid, 'CAcache_nobody'] });
    await stack.gql(PAGE, { sids: ['CAcache_nobody'] });
    expect(stack.sim.stats.bySid.get(sid)).toBe(2);
    expect(stack.sim.stats.bySid.get('CAcache_nobody')).toBe(2);
  });
});

describe('CACHE_TTL_SECONDS=0', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { cacheTtlSeconds: 0 } });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcache_off', { status: 'busy' });
  });
  afterAll(() => stack?.close());

  it('turns fresh answers off: every request goes upstream (the store keeps the call for stale answers only)', async () => {
    for (let i = 0; i < 3; i++) await stack.gql('{ call(sid: "CAcache_off") { status } }');
    expect(stack.sim.stats.bySid.get('CAcache_off')).toBe(3);
    expect(stack.server.stats().fetch.memory).toMatchObject({ hit: 0, size: 1 });
  });
});

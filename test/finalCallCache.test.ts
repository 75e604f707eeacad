/**
 * The cache of settled final calls at the fetchCall seam: what is kept and for how long
 * (unit, with an injected clock), and over real HTTP, counted with the simulator's own
 * counters, that repeated refreshes of final calls cost one upstream request per call and
 * credential while unfinished, unknown and failed calls always go upstream.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Call, CallAddress } from '../src/calls/call.js';
import { cacheFinalCalls, cacheTtlSecondsOf } from '../src/calls/finalCallCache.js';
import { makeCredential } from '../src/talkstack/credentials.js';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../src/simulator/index.js';
import { codesOf, startStack, type Stack } from './support/stack.js';
import { mappedCall } from './support/callFixtures.js';

const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef.mp3';

function call(overrides: Partial<Call>): Call {
  return mappedCall({ status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 30, cost: 0.1, recordings: [{ url: RECORDING, sid: null, format: 'MP3' }], ...overrides });
}

describe('what is kept, and for how long', () => {
  it.each([
    ['a completed call with duration, cost and recordings', call({}), 3600],
    ['a completed call without recordings yet: at most 60 s', call({ recordings: [] }), 60],
    ['a completed call without its duration: not settled', call({ durationSeconds: null }), 0],
    ['a completed call without its cost: not settled', call({ cost: null }), 0],
    ['another final status', call({ status: 'BUSY', upstreamStatus: 'busy', durationSeconds: null, cost: null, recordings: [] }), 3600],
    ['an unfinished call', call({ status: 'RINGING', upstreamStatus: 'ringing', isFinal: false }), 0],
  ])('%s', (_label, value, seconds) => {
    expect(cacheTtlSecondsOf(value, 3600)).toBe(seconds);
  });

  it('a TTL below 60 s caps the unrecorded rule too, and 0 keeps nothing', () => {
    expect(cacheTtlSecondsOf(call({ recordings: [] }), 30)).toBe(30);
    expect(cacheTtlSecondsOf(call({}), 0)).toBe(0);
  });

  it('entries expire by their own TTL on the clock', async () => {
    let clock = 1_000_000;
    const answers = new Map<string, Call>([
      ['CArec', call({ sid: 'CArec' })],
      ['CAnorec', call({ sid: 'CAnorec', recordings: [] })],
    ]);
    const fetched: string[] = [];
    const upstream = async (address: CallAddress) => {
      fetched.push(address.sid);
      return answers.get(address.sid) ?? null;
    };
    const cached = cacheFinalCalls(upstream, { ttlSeconds: 3600, now: () => clock });
    const credential = makeCredential(undefined, 'k');
    if (!credential) throw new Error('no credential');
    const load = (sid: string) => cached({ projectId: 'p', sid }, credential);

    await Promise.all([load('CArec'), load('CAnorec'), load('CAunknown')]);
    await Promise.all([load('CArec'), load('CAnorec'), load('CAunknown')]);
    expect(fetched).toEqual(['CArec', 'CAnorec', 'CAunknown', 'CAunknown']);

    clock += 61_000;
    await Promise.all([load('CArec'), load('CAnorec')]);
    expect(fetched.slice(4)).toEqual(['CAnorec']);

    clock += 3600_000;
    await load('CArec');
    expect(fetched.slice(5)).toEqual(['CArec']);
    expect(cached.cachedCalls).toBe(2);
  });

  it('counts memory hits and misses, tells when a held call expires, and answers hits with one stored promise', async () => {
    let clock = 5_000_000;
    const cached = cacheFinalCalls(async (address: CallAddress) => (address.sid === 'CAunknown' ? null : call({ sid: address.sid, recordings: address.sid === 'CAnorec' ? [] : call({}).recordings })), {
      ttlSeconds: 3600,
      now: () => clock,
    });
    const credential = makeCredential(undefined, 'k');
    const other = makeCredential(undefined, 'other');
    if (!credential || !other) throw new Error('no credential');
    const address = (sid: string) => ({ projectId: 'p', sid });

    expect(cached.expiresAt(address('CArec'), credential)).toBeUndefined();
    await cached(address('CArec'), credential);
    await cached(address('CAnorec'), credential);
    await cached(address('CAunknown'), credential);
    const first = cached(address('CArec'), credential);
    const second = cached(address('CArec'), credential);
    expect(second).toBe(first);
    expect(await first).toMatchObject({ sid: 'CArec' });
    expect(cached.stats.memory).toEqual({ hit: 2, miss: 3 });
    expect(cached.stats.redis).toEqual({ hit: 0, miss: 0, error: 0, writeError: 0 });

    expect(cached.expiresAt(address('CArec'), credential)).toBe(5_000_000 + 3600_000);
    expect(cached.expiresAt(address('CAnorec'), credential)).toBe(5_000_000 + 60_000);
    expect(cached.expiresAt(address('CAunknown'), credential)).toBeUndefined();
    expect(cached.expiresAt(address('CArec'), other)).toBeUndefined();
    clock += 60_000;
    expect(cached.expiresAt(address('CAnorec'), credential)).toBeUndefined();
    expect(cached.expiresAt(address('CArec'), credential)).toBe(5_000_000 + 3600_000);
  });

  it('CACHE_TTL_SECONDS=0: the fetcher itself, with zero stats and nothing held', () => {
    const upstream = async () => null;
    const off = cacheFinalCalls(upstream, { ttlSeconds: 0 });
    expect(off).toBe(upstream);
    expect(off.cachedCalls).toBe(0);
    expect(off.stats.memory).toEqual({ hit: 0, miss: 0 });
    expect(off.expiresAt({ projectId: 'p', sid: 'CA1' }, makeCredential(undefined, 'k') as never)).toBeUndefined();
  });
});

describe('over HTTP, counted upstream', () => {
  let stack: Stack;
  const PAGE = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status durationSeconds recordings { url } } }';
  const finals = Array.from({ length: 10 }, (_, i) => `CAcache_final${i}`);

  beforeAll(async () => {
    stack = await startStack();
    for (const sid of finals) stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'completed', seconds: 42, cost: 0.02, recordingUrls: [RECORDING] });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAcache_live', { status: 'in-progress' });
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.sim.resetStats());

  it('10 identical refreshes of a page of final calls cost one upstream request per call', async () => {
    for (let refresh = 0; refresh < 10; refresh++) {
      const answer = await stack.gql<{ calls: { status: string }[] }>(PAGE, { sids: finals });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.calls.map((c) => c.status)).toEqual(finals.map(() => 'COMPLETED'));
    }
    expect(stack.sim.stats.requests).toBe(finals.length);
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

  it('turns the cache off: every request goes upstream', async () => {
    for (let i = 0; i < 3; i++) await stack.gql('{ call(sid: "CAcache_off") { status } }');
    expect(stack.sim.stats.bySid.get('CAcache_off')).toBe(3);
    expect(stack.server.finalCalls.cachedCalls).toBe(0);
  });
});

/**
 * The cache policy on its own (fetch/cachePolicy.ts): which calls the caches keep, and for how
 * long. Only settled final calls: a COMPLETED call needs its duration and cost, and without
 * recordings yet is kept for at most 60 s; other final calls for CACHE_TTL_SECONDS; unfinished
 * calls never. Both the memory layer and the Redis tier follow it (their own tests check that
 * they do: callStore.test.ts, test/integration/fetch/redisSharedCache.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import { cacheTtlSecondsOf } from '../../../src/fetch/cachePolicy.js';
import { mappedCall } from '../../support/callFixtures.js';

const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef.mp3';

function call(overrides: Partial<Call>): Call {
  return mappedCall({ status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 30, cost: 0.1, recordings: [{ url: RECORDING, sid: null, format: 'MP3' }], ...overrides });
}

describe('the cache policy: what is kept, and for how long', () => {
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
});

/**
 * The memory layer of the fetch pipeline on its own, in front of a fake layer below, with an
 * injected clock: entries expire by their own TTL (the cache policy's, or the Redis entry's
 * when the tier behind hands one over), a hit is one stored promise, and its stats. (Which calls
 * are kept and how long: cachePolicy.test.ts; over HTTP:
 * test/integration/fetch/callStore.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import type { FetchCall } from '../../../src/fetch/fetchCall.js';
import { UNENDING_SCOPE } from '../../../src/fetch/fetchScope.js';
import { CallStore } from '../../../src/fetch/callStore.js';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { callKeyOf } from '../../../src/identity/keys.js';
import { mappedCall } from '../../support/callFixtures.js';

const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef.mp3';

function call(overrides: Partial<Call>): Call {
  return mappedCall({ status: 'COMPLETED', upstreamStatus: 'completed', durationSeconds: 30, cost: 0.1, recordings: [{ url: RECORDING, sid: null, format: 'MP3' }], ...overrides });
}

const credentialOf = (key: string): Credential => makeCredential(undefined, key) as Credential;
const keyOf = (sid: string, credential = credentialOf('k')) => callKeyOf(credential, { projectId: 'p', sid });

describe('CallStore', () => {
  it('entries expire by their own TTL on the clock', async () => {
    let clock = 1_000_000;
    const answers = new Map<string, Call>([
      ['CArec', call({ sid: 'CArec' })],
      ['CAnorec', call({ sid: 'CAnorec', recordings: [] })],
    ]);
    const fetched: string[] = [];
    const below: FetchCall = async (key) => {
      fetched.push(key.address.sid);
      return answers.get(key.address.sid) ?? null;
    };
    const memory = new CallStore({ ttlSeconds: 3600, now: () => clock, staleSeconds: 0, maxBytes: 64 * 1024 * 1024 });
    const cached = memory.layer(below);
    const load = (sid: string) => cached(keyOf(sid), UNENDING_SCOPE);

    await Promise.all([load('CArec'), load('CAnorec'), load('CAunknown')]);
    await Promise.all([load('CArec'), load('CAnorec'), load('CAunknown')]);
    expect(fetched).toEqual(['CArec', 'CAnorec', 'CAunknown', 'CAunknown']);

    clock += 61_000;
    await Promise.all([load('CArec'), load('CAnorec')]);
    expect(fetched.slice(4)).toEqual(['CAnorec']);

    clock += 3600_000;
    await load('CArec');
    expect(fetched.slice(5)).toEqual(['CArec']);
    expect(memory.stats.size).toBe(2);
  });

  it('counts hits and misses, tells when a held call expires, and answers hits with one stored promise', async () => {
    let clock = 5_000_000;
    const memory = new CallStore({ ttlSeconds: 3600, now: () => clock, staleSeconds: 0, maxBytes: 64 * 1024 * 1024 });
    const cached = memory.layer(async (key) =>
      key.address.sid === 'CAunknown' ? null : call({ sid: key.address.sid, recordings: key.address.sid === 'CAnorec' ? [] : call({}).recordings }),
    );
    const other = credentialOf('other');

    expect(memory.expiresAt(keyOf('CArec'))).toBeUndefined();
    await cached(keyOf('CArec'), UNENDING_SCOPE);
    await cached(keyOf('CAnorec'), UNENDING_SCOPE);
    await cached(keyOf('CAunknown'), UNENDING_SCOPE);
    const first = cached(keyOf('CArec'), UNENDING_SCOPE);
    const second = cached(keyOf('CArec'), UNENDING_SCOPE);
    expect(second).toBe(first);
    expect(await first).toMatchObject({ sid: 'CArec' });
    expect(memory.stats).toEqual({ hit: 2, miss: 3, size: 2, bytes: expect.any(Number) });

    expect(memory.expiresAt(keyOf('CArec'))).toBe(5_000_000 + 3600_000);
    expect(memory.expiresAt(keyOf('CAnorec'))).toBe(5_000_000 + 60_000);
    expect(memory.expiresAt(keyOf('CAunknown'))).toBeUndefined();
    expect(memory.expiresAt(keyOf('CArec', other))).toBeUndefined();
    clock += 60_000;
    expect(memory.expiresAt(keyOf('CAnorec'))).toBeUndefined();
    expect(memory.expiresAt(keyOf('CArec'))).toBe(5_000_000 + 3600_000);
  });

  it('settledUntil names only the very call object held', async () => {
    const memory = new CallStore({ ttlSeconds: 3600, now: () => 0, staleSeconds: 0, maxBytes: 64 * 1024 * 1024 });
    const held = call({ sid: 'CAheld' });
    await memory.layer(async () => held)(keyOf('CAheld'), UNENDING_SCOPE);
    expect(memory.settledUntil(keyOf('CAheld'), held)).toBe(3600_000);
    expect(memory.settledUntil(keyOf('CAheld'), { ...held })).toBeUndefined();
  });

  it('holds what the tier behind hands it with that tier\'s expiry, once per object', async () => {
    let clock = 0;
    const memory = new CallStore({ ttlSeconds: 3600, now: () => clock, staleSeconds: 0, maxBytes: 64 * 1024 * 1024 });
    const shared = call({ sid: 'CAshared' });
    memory.hold(keyOf('CAshared'), shared, 10_000);
    expect(memory.fresh(keyOf('CAshared'))).toBe(shared);
    expect(memory.expiresAt(keyOf('CAshared'))).toBe(10_000);
    memory.hold(keyOf('CAshared'), shared, 99_000);
    expect(memory.expiresAt(keyOf('CAshared'))).toBe(10_000);
    clock = 10_000;
    expect(memory.fresh(keyOf('CAshared'))).toBeUndefined();
  });
});

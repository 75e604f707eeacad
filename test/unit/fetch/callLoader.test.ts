/**
 * The per-operation call loader on its own, over a fake fetch pipeline whose fetches the test
 * settles by hand: each distinct call fetched once, the MAX_CALLS_PER_REQUEST cap counted in
 * the order calls are asked for, results per key and each on its own schedule, one call key
 * per call keyed by the loader's credential, the batch sizes it reports and `answered()` (what
 * the fast path for settled answers reads afterwards). Over HTTP:
 * test/integration/fetch/callLoader.test.ts, test/integration/graphql/operationLimits.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Call, CallAddress } from '../../../src/calls/call.js';
import { TooManyCallsError } from '../../../src/calls/callDataErrors.js';
import { CallLoader } from '../../../src/fetch/callLoader.js';
import type { FetchCall } from '../../../src/fetch/fetchCall.js';
import { FetchScope, UNENDING_SCOPE } from '../../../src/fetch/fetchScope.js';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { type CallKey, callKeyOf } from '../../../src/identity/keys.js';
import { mappedCall } from '../../support/callFixtures.js';

const credential = makeCredential(undefined, 'key-a') as Credential;
const at = (sid: string): CallAddress => ({ projectId: 'p', sid });

interface Pending {
  readonly key: CallKey;
  readonly scope: FetchScope;
  resolve(call: Call | null): void;
  reject(error: unknown): void;
}

/** A pipeline whose every fetch waits for the test. */
function pipeline() {
  const fetches: Pending[] = [];
  const fetchCall: FetchCall = (key, scope) => new Promise((resolve, reject) => void fetches.push({ key, scope, resolve, reject }));
  const fetchOf = (sid: string): Pending => {
    const fetch = fetches.find((pending) => pending.key.address.sid === sid);
    if (!fetch) throw new Error(`${sid} was not fetched`);
    return fetch;
  };
  return { fetchCall, fetches, fetchOf };
}

/** A pipeline that answers at once: a call for every sid but those named. */
function answering(unknown: readonly string[] = [], failing: readonly string[] = []) {
  const asked: CallKey[] = [];
  const fetchCall: FetchCall = async (key) => {
    asked.push(key);
    const sid = key.address.sid;
    if (failing.includes(sid)) throw new Error(`${sid} failed`);
    return unknown.includes(sid) ? null : mappedCall({ sid });
  };
  return { fetchCall, asked };
}

/** Runs whatever DataLoader and the promises have queued (its batches are dispatched on a later tick). */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('each distinct call fetched once per operation', () => {
  it('asks the pipeline once per (projectId, sid), however often and whenever it is asked', async () => {
    const { fetchCall, asked } = answering();
    const loader = new CallLoader({ credential, maxCalls: 10, fetchCall });
    const [one, again] = await Promise.all([loader.load(at('CA1')), loader.load(at('CA1')), loader.load({ projectId: 'q', sid: 'CA1' })]);
    expect(again).toBe(one);
    // Asked again later, with another object of the same address: still DataLoader's answer.
    expect(await loader.load({ ...at('CA1') })).toBe(one);
    expect(asked.map((key) => key.address)).toEqual([at('CA1'), { projectId: 'q', sid: 'CA1' }]);
    expect(loader.distinctCalls).toBe(2);
  });

  it('fetches on behalf of the operation\'s scope, or UNENDING_SCOPE without one', async () => {
    const scope = new FetchScope();
    const withScope = pipeline();
    void new CallLoader({ credential, maxCalls: 10, fetchCall: withScope.fetchCall, scope }).load(at('CA1'));
    const without = pipeline();
    void new CallLoader({ credential, maxCalls: 10, fetchCall: without.fetchCall }).load(at('CA1'));
    await tick();
    expect(withScope.fetches[0]?.scope).toBe(scope);
    expect(without.fetches[0]?.scope).toBe(UNENDING_SCOPE);
  });
});

describe('MAX_CALLS_PER_REQUEST', () => {
  it('refuses the distinct pairs past the cap, in the order asked, with one TooManyCallsError and no fetch', async () => {
    const { fetchCall, asked } = answering();
    const loader = new CallLoader({ credential, maxCalls: 2, fetchCall });
    // Asked out of sid order: the first two asked are the ones served.
    const results = await Promise.allSettled([loader.load(at('CA3')), loader.load(at('CA1')), loader.load(at('CA2')), loader.load(at('CA3')), loader.load(at('CA4'))]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected']);
    const [, , capped, , cappedToo] = results;
    const error = capped?.status === 'rejected' ? capped.reason : undefined;
    expect(error).toBeInstanceOf(TooManyCallsError);
    expect((error as TooManyCallsError).code).toBe('TOO_MANY_CALLS');
    // One error object for every capped pair: the operation reports it once.
    expect(cappedToo?.status === 'rejected' ? cappedToo.reason : undefined).toBe(error);
    expect(asked.map((key) => key.address.sid)).toEqual(['CA3', 'CA1']);
    expect(loader.distinctCalls).toBe(2);
    // A pair already counted is still served at the cap; a capped one stays capped.
    await expect(loader.load(at('CA1'))).resolves.toMatchObject({ sid: 'CA1' });
    await expect(loader.load(at('CA2'))).rejects.toBe(error);
  });

  it('a cap of 0 refuses every call', async () => {
    const { fetchCall, asked } = answering();
    const loader = new CallLoader({ credential, maxCalls: 0, fetchCall });
    await expect(loader.load(at('CA1'))).rejects.toBeInstanceOf(TooManyCallsError);
    await tick();
    expect(asked).toHaveLength(0);
  });
});

describe('results per key', () => {
  it('a failing call never fails its batch neighbours; an unknown one is null', async () => {
    const { fetchCall } = answering(['CAunknown'], ['CAfailing']);
    const loader = new CallLoader({ credential, maxCalls: 10, fetchCall });
    const results = await Promise.allSettled([loader.load(at('CAok')), loader.load(at('CAfailing')), loader.load(at('CAunknown'))]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { sid: 'CAok' } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: new Error('CAfailing failed') });
    expect(results[2]).toEqual({ status: 'fulfilled', value: null });
  });

  it('each key resolves as soon as its own fetch settles, not when the batch does', async () => {
    const { fetchCall, fetchOf } = pipeline();
    const loader = new CallLoader({ credential, maxCalls: 10, fetchCall });
    const settled: string[] = [];
    const slow = loader.load(at('CAslow')).then(() => void settled.push('CAslow'));
    const fast = loader.load(at('CAfast')).then(() => void settled.push('CAfast'));
    await tick();
    fetchOf('CAfast').resolve(mappedCall({ sid: 'CAfast' }));
    await fast;
    expect(settled).toEqual(['CAfast']);
    fetchOf('CAslow').resolve(mappedCall({ sid: 'CAslow' }));
    await slow;
    expect(settled).toEqual(['CAfast', 'CAslow']);
  });
});

describe('call keys', () => {
  it('one call key per distinct call, made with the loader\'s credential, the same object every time', async () => {
    const { fetchCall, asked } = answering();
    const loader = new CallLoader({ credential, maxCalls: 10, fetchCall });
    await Promise.all([loader.load(at('CA1')), loader.load(at('CA2'))]);
    expect(asked.map((key) => key.id)).toEqual([callKeyOf(credential, at('CA1')).id, callKeyOf(credential, at('CA2')).id]);
    for (const key of asked) expect(key.credential).toBe(credential);
    expect(loader.credential).toBe(credential);
    // answered() hands back the very keys the pipeline was asked with.
    const answered = await loader.answered();
    expect(answered.map(([key]) => key)).toEqual(asked);
    expect(answered[0]?.[0]).toBe(asked[0]);
  });

  it('two loaders of two credentials key the same call apart', async () => {
    const first = answering();
    const second = answering();
    const other = makeCredential('Bearer t', undefined) as Credential;
    await new CallLoader({ credential, maxCalls: 10, fetchCall: first.fetchCall }).load(at('CA1'));
    await new CallLoader({ credential: other, maxCalls: 10, fetchCall: second.fetchCall }).load(at('CA1'));
    expect(first.asked[0]?.id).not.toBe(second.asked[0]?.id);
    expect(second.asked[0]?.credential).toBe(other);
  });
});

describe('batches', () => {
  it('tells observeBatch the size of each batch: the distinct calls asked in one tick', async () => {
    const sizes: number[] = [];
    const { fetchCall } = answering();
    const loader = new CallLoader({ credential, maxCalls: 10, fetchCall, observeBatch: (size) => void sizes.push(size) });
    await Promise.all([loader.load(at('CA1')), loader.load(at('CA2')), loader.load(at('CA1')), loader.load(at('CA3'))]);
    await loader.load(at('CA4'));
    await loader.load(at('CA2'));
    expect(sizes).toEqual([3, 1]);
  });
});

describe('answered()', () => {
  it('lists every call asked for with its answer, once all have settled, without fetching again', async () => {
    const { fetchCall, fetchOf, fetches } = pipeline();
    const loader = new CallLoader({ credential, maxCalls: 2, fetchCall });
    void loader.load(at('CA1'));
    void loader.load(at('CAunknown'));
    void loader.load(at('CAcapped')).catch(() => undefined);
    await tick();
    let answered: Array<readonly [CallKey, Call | null]> | undefined;
    void loader.answered().then((value) => void (answered = value));
    fetchOf('CA1').resolve(mappedCall({ sid: 'CA1' }));
    await tick();
    // Not before every call has settled.
    expect(answered).toBeUndefined();
    fetchOf('CAunknown').resolve(null);
    await tick();
    expect(answered?.map(([key, call]) => [key.address.sid, call?.sid ?? null])).toEqual([
      ['CA1', 'CA1'],
      ['CAunknown', null],
    ]);
    expect(fetches).toHaveLength(2);
  });

  it('rejects when any call failed; an operation that asked for nothing answered nothing', async () => {
    const { fetchCall } = answering([], ['CAfailing']);
    const loader = new CallLoader({ credential, maxCalls: 10, fetchCall });
    await Promise.allSettled([loader.load(at('CA1')), loader.load(at('CAfailing'))]);
    await expect(loader.answered()).rejects.toThrow('CAfailing failed');
    await expect(new CallLoader({ credential, maxCalls: 10, fetchCall }).answered()).resolves.toEqual([]);
  });
});

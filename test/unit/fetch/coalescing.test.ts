/**
 * The coalescing layer on its own, in front of a fake layer below whose fetches the test
 * settles by hand: concurrent lookups of one call key share one fetch (never across
 * credentials), a settled fetch is forgotten, every waiting scope is counted once, and the
 * shared fetch's own scope is cancelled exactly when its last waiter has gone (contract:
 * "Concurrent operations with the same credential share one in-flight upstream request for
 * the same call … It is dropped when no operation awaits it any more"). Over HTTP, with the
 * real client below: test/integration/fetch/callLoader.test.ts and
 * test/integration/talkstack/scheduling.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import { Coalescing } from '../../../src/fetch/coalescing.js';
import type { FetchCall } from '../../../src/fetch/fetchCall.js';
import { FetchScope, UNENDING_SCOPE } from '../../../src/fetch/fetchScope.js';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { type CallKey, callKeyOf } from '../../../src/identity/keys.js';
import { CANCELLED_ERROR, CancelledError } from '../../../src/talkstack/cancellation.js';
import { mappedCall } from '../../support/callFixtures.js';

const credentialOf = (apiKey: string): Credential => makeCredential(undefined, apiKey) as Credential;
const A = credentialOf('key-a');
const keyOf = (sid: string, credential = A): CallKey => callKeyOf(credential, { projectId: 'p', sid });

interface Pending {
  readonly key: CallKey;
  /** the scope the layer below was given: the shared fetch's own */
  readonly scope: FetchScope;
  resolve(call: Call | null): void;
  reject(error: unknown): void;
}

/**
 * The layer below: every fetch waits until the test settles it. Like the real client, a
 * fetch whose scope ends rejects with CancelledError at once (unless `ignoresCancel`, to
 * look at the moment between the scope's end and the fetch's).
 */
function below({ ignoresCancel = false } = {}) {
  const fetches: Pending[] = [];
  const next: FetchCall = (key, scope) =>
    new Promise((resolve, reject) => {
      fetches.push({ key, scope, resolve, reject });
      if (!ignoresCancel) scope.listen(() => reject(CANCELLED_ERROR));
    });
  return { next, fetches };
}

function setUp(options?: { ignoresCancel?: boolean }) {
  const coalescing = new Coalescing();
  const { next, fetches } = below(options);
  return { coalescing, fetches, fetchCall: coalescing.layer(next) };
}

/** Lets every promise callback queued so far run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('one fetch per call key in flight', () => {
  it('concurrent lookups of one key share one fetch below, and all get its answer', async () => {
    const { coalescing, fetches, fetchCall } = setUp();
    const first = fetchCall(keyOf('CA1'), new FetchScope());
    const second = fetchCall(keyOf('CA1'), new FetchScope());
    expect(fetches).toHaveLength(1);
    expect(coalescing.stats).toEqual({ inFlight: 1, waiters: 2 });

    const call = mappedCall({ sid: 'CA1' });
    fetches[0]?.resolve(call);
    expect(await first).toBe(call);
    expect(await second).toBe(call);
    expect(coalescing.stats).toEqual({ inFlight: 0, waiters: 0 });
  });

  it('a failure is shared the same way: one fetch, every waiter gets its error', async () => {
    const { fetches, fetchCall } = setUp();
    const error = new Error('upstream down');
    const lookups = [fetchCall(keyOf('CA1'), new FetchScope()), fetchCall(keyOf('CA1'), new FetchScope())];
    fetches[0]?.reject(error);
    for (const lookup of lookups) await expect(lookup).rejects.toBe(error);
    expect(fetches).toHaveLength(1);
  });

  it('never shares between credentials, nor between calls', async () => {
    const { coalescing, fetches, fetchCall } = setUp();
    void fetchCall(keyOf('CA1', A), new FetchScope());
    void fetchCall(keyOf('CA1', credentialOf('key-b')), new FetchScope());
    void fetchCall(keyOf('CA2', A), new FetchScope());
    expect(fetches.map((fetch) => fetch.key.id)).toEqual([keyOf('CA1', A).id, keyOf('CA1', credentialOf('key-b')).id, keyOf('CA2', A).id]);
    expect(coalescing.stats).toEqual({ inFlight: 3, waiters: 3 });
    for (const fetch of fetches) fetch.resolve(null);
    await settle();
  });

  it('is not a cache: a settled fetch is forgotten, the next lookup fetches again', async () => {
    const { fetches, fetchCall } = setUp();
    const first = fetchCall(keyOf('CA1'), new FetchScope());
    fetches[0]?.resolve(mappedCall({ status: 'RINGING', isFinal: false }));
    await first;
    const failed = fetchCall(keyOf('CA1'), new FetchScope());
    fetches[1]?.reject(new Error('boom'));
    await expect(failed).rejects.toThrow('boom');
    void fetchCall(keyOf('CA1'), new FetchScope());
    expect(fetches).toHaveLength(3);
  });

  it('counts each waiting scope once, however many lookups of the key it makes', async () => {
    const { coalescing, fetches, fetchCall } = setUp();
    const scope = new FetchScope();
    const lookups = [fetchCall(keyOf('CA1'), scope), fetchCall(keyOf('CA1'), scope), fetchCall(keyOf('CA1'), new FetchScope())];
    expect(coalescing.stats).toEqual({ inFlight: 1, waiters: 2 });
    fetches[0]?.resolve(null);
    expect(await Promise.all(lookups)).toEqual([null, null, null]);
  });
});

describe('work nobody waits for is dropped', () => {
  it('the fetch goes on while one waiter is left; its scope is cancelled when the last one goes, and it rejects with CancelledError', async () => {
    const { coalescing, fetches, fetchCall } = setUp();
    const leaving = new FetchScope();
    const staying = new FetchScope();
    const first = fetchCall(keyOf('CA1'), leaving);
    const second = fetchCall(keyOf('CA1'), staying);
    const shared = fetches[0] as Pending;

    leaving.cancel();
    expect(shared.scope.cancelled).toBe(false);
    expect(coalescing.stats).toEqual({ inFlight: 1, waiters: 1 });

    staying.cancel();
    expect(shared.scope.cancelled).toBe(true);
    expect(coalescing.stats.waiters).toBe(0);
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    expect(coalescing.stats).toEqual({ inFlight: 0, waiters: 0 });
  });

  it('a waiter that leaves while another stays still holds the shared promise, and gets the answer', async () => {
    const { fetches, fetchCall } = setUp();
    const leaving = new FetchScope();
    const abandoned = fetchCall(keyOf('CA1'), leaving);
    const answered = fetchCall(keyOf('CA1'), new FetchScope());
    leaving.cancel();
    const call = mappedCall();
    fetches[0]?.resolve(call);
    // The shared promise is the same for all: whoever still holds it gets the answer.
    expect(await answered).toBe(call);
    expect(await abandoned).toBe(call);
  });

  it('an operation whose signal aborted leaves the fetch like a cancelled scope', async () => {
    const { fetches, fetchCall } = setUp();
    const controller = new AbortController();
    const lookup = fetchCall(keyOf('CA1'), new FetchScope(controller.signal));
    controller.abort();
    expect(fetches[0]?.scope.cancelled).toBe(true);
    await expect(lookup).rejects.toBe(CANCELLED_ERROR);
  });

  it('an ended scope cannot join: it is refused at once and nothing is fetched', async () => {
    const { coalescing, fetches, fetchCall } = setUp();
    const ended = new FetchScope();
    ended.cancel();
    await expect(fetchCall(keyOf('CA1'), ended)).rejects.toBe(CANCELLED_ERROR);
    const controller = new AbortController();
    controller.abort();
    await expect(fetchCall(keyOf('CA1'), new FetchScope(controller.signal))).rejects.toBe(CANCELLED_ERROR);
    expect(fetches).toHaveLength(0);
    expect(coalescing.stats).toEqual({ inFlight: 0, waiters: 0 });
  });

  it('a fetch being cancelled is not joined: a new lookup starts its own, which the old one settling late does not disturb', async () => {
    const { coalescing, fetches, fetchCall } = setUp({ ignoresCancel: true });
    const gone = new FetchScope();
    const abandoned = fetchCall(keyOf('CA1'), gone);
    gone.cancel();
    const old = fetches[0] as Pending;
    expect(old.scope.cancelled).toBe(true);

    const fresh = fetchCall(keyOf('CA1'), new FetchScope());
    expect(fetches).toHaveLength(2);
    // The cancelled fetch settles late (the layer below noticed only now): the new one stays in flight and joinable.
    old.reject(CANCELLED_ERROR);
    await expect(abandoned).rejects.toBe(CANCELLED_ERROR);
    expect(coalescing.stats).toEqual({ inFlight: 1, waiters: 1 });
    const joined = fetchCall(keyOf('CA1'), new FetchScope());
    expect(fetches).toHaveLength(2);

    const call = mappedCall();
    fetches[1]?.resolve(call);
    expect(await fresh).toBe(call);
    expect(await joined).toBe(call);
  });

  it('a settled fetch lets go of its waiters: one of them ending later changes nothing', async () => {
    const { coalescing, fetches, fetchCall } = setUp();
    const scope = new FetchScope();
    const lookup = fetchCall(keyOf('CA1'), scope);
    fetches[0]?.resolve(null);
    await lookup;
    scope.cancel();
    expect(coalescing.stats).toEqual({ inFlight: 0, waiters: 0 });
    expect(fetches[0]?.scope.cancelled).toBe(false);
  });

  it('UNENDING_SCOPE is a waiter that never leaves: the fetch is never cancelled', async () => {
    const { coalescing, fetches, fetchCall } = setUp();
    const operation = new FetchScope();
    const pinned = fetchCall(keyOf('CA1'), UNENDING_SCOPE);
    void fetchCall(keyOf('CA1'), UNENDING_SCOPE);
    void fetchCall(keyOf('CA1'), operation).catch(() => undefined);
    // Only scopes that can leave are counted as waiters.
    expect(coalescing.stats.waiters).toBe(1);
    operation.cancel();
    expect(fetches[0]?.scope.cancelled).toBe(false);
    const call = mappedCall();
    fetches[0]?.resolve(call);
    expect(await pinned).toBe(call);
  });
});

/**
 * A subscription's stream bound to its registry lease on its own (subscriptions/leasedStream.ts):
 * released exactly once however it ends (completion, failure, `return()`, the client leaving,
 * `completeAll`), even with a `next()` pending or never started.
 */
import { describe, expect, it } from 'vitest';
import { makeCredential, type Credential } from '../../../src/identity/credential.js';
import { callKeyOf } from '../../../src/identity/keys.js';
import { leasedStream } from '../../../src/subscriptions/leasedStream.js';
import { SubscriptionRegistry } from '../../../src/subscriptions/subscriptionRegistry.js';

const credential = makeCredential(undefined, 'k') as Credential;
const keys = (...sids: string[]) => sids.map((sid) => callKeyOf(credential, { projectId: 'p', sid }));

describe('leasedStream', () => {
  const registry = () => new SubscriptionRegistry({ perTenant: 10, watchedCallsPerTenant: 10, total: 10 });

  /** A source whose `next()` waits until the test resolves it. */
  function controlledSource() {
    const pending: Array<(result: IteratorResult<number>) => void> = [];
    let returned = 0;
    const source: AsyncIterator<number> = {
      next: () => new Promise((resolve) => pending.push(resolve)),
      return: () => {
        returned++;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
    return { source, pending, returned: () => returned };
  }

  it('releases once when the source completes', async () => {
    const subscriptions = registry();
    const lease = subscriptions.acquire('A', keys('c1'));
    async function* two() {
      yield 1;
      yield 2;
    }
    const stream = leasedStream(two(), lease);
    const seen: number[] = [];
    for await (const value of stream) seen.push(value);
    expect(seen).toEqual([1, 2]);
    expect(subscriptions.stats.open).toBe(0);
  });

  it('releases when the source fails, and passes the error on', async () => {
    const subscriptions = registry();
    const lease = subscriptions.acquire('A', keys('c1'));
    async function* failing(): AsyncGenerator<number> {
      throw new Error('poll failed');
    }
    await expect(leasedStream(failing(), lease).next()).rejects.toThrow('poll failed');
    expect(subscriptions.stats.open).toBe(0);
  });

  it('return() and the client leaving end it at once, even with a next() pending, and never started', async () => {
    const subscriptions = registry();
    const { source, returned } = controlledSource();
    const stream = leasedStream(source, subscriptions.acquire('A', keys('c1')));
    const pending = stream.next();
    await stream.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(subscriptions.stats.open).toBe(0);
    expect(returned()).toBe(1);

    const client = new AbortController();
    const other = controlledSource();
    const neverStarted = leasedStream(other.source, subscriptions.acquire('A', keys('c1')), client.signal);
    expect(subscriptions.stats.open).toBe(1);
    client.abort();
    expect(subscriptions.stats.open).toBe(0);
    expect(await neverStarted.next()).toEqual({ done: true, value: undefined });
  });

  it('completeAll resolves a pending next() as done; a late value from the source is dropped', async () => {
    const subscriptions = registry();
    const { source, pending } = controlledSource();
    const stream = leasedStream(source, subscriptions.acquire('A', keys('c1')));
    const next = stream.next();
    subscriptions.completeAll();
    expect(await next).toEqual({ done: true, value: undefined });
    pending[0]?.({ done: false, value: 7 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});

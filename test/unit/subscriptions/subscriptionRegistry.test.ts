/**
 * The registry of open subscriptions on its own (subscriptions/subscriptionRegistry.ts): the
 * caps per tenant and per instance, distinct watched calls, transports, and completeAll. (Over
 * SSE: test/integration/subscriptions/subscriptionCaps.test.ts; over WebSocket: the WebSocket
 * transport's tests.)
 */
import { describe, expect, it } from 'vitest';
import { TooManySubscriptionsError } from '../../../src/calls/callDataErrors.js';
import { makeCredential, type Credential } from '../../../src/identity/credential.js';
import { callKeyOf } from '../../../src/identity/keys.js';
import { type SubscriptionLease, SubscriptionRegistry } from '../../../src/subscriptions/subscriptionRegistry.js';

const credential = makeCredential(undefined, 'k') as Credential;
const keys = (...sids: string[]) => sids.map((sid) => callKeyOf(credential, { projectId: 'p', sid }));

describe('SubscriptionRegistry', () => {
  const limits = { perTenant: 2, watchedCallsPerTenant: 3, total: 3 };
  /** what `acquire` gave: the lease, or the error it threw */
  const attempt = (acquire: () => SubscriptionLease): SubscriptionLease | unknown => {
    try {
      return acquire();
    } catch (error) {
      return error;
    }
  };

  it('caps subscriptions per credential and per instance; a refusal takes nothing', () => {
    const registry = new SubscriptionRegistry(limits);
    const a1 = registry.acquire('A', keys('c1'));
    registry.acquire('A', keys('c2'));
    expect(attempt(() => registry.acquire('A', keys('c3')))).toBeInstanceOf(TooManySubscriptionsError);
    expect(registry.watchedBy('A')).toBe(2);
    registry.acquire('B', keys('c1'));
    const refused = attempt(() => registry.acquire('B', keys('c2')));
    expect(refused).toBeInstanceOf(TooManySubscriptionsError);
    expect((refused as TooManySubscriptionsError).code).toBe('TOO_MANY_SUBSCRIPTIONS');
    expect(registry.stats.open).toBe(3);

    a1.release();
    a1.release();
    expect(registry.stats.open).toBe(2);
    expect(registry.openFor('A')).toBe(1);
    registry.acquire('B', keys('c2'));
  });

  it('a subscription of several tenants (both headers sent) counts against each: varying one header escapes nothing', () => {
    const registry = new SubscriptionRegistry({ ...limits, total: 10 });
    registry.acquire(['key', 'junk-1'], keys('c1'));
    const second = registry.acquire(['key', 'junk-2'], keys('c2'));
    const refused = attempt(() => registry.acquire(['key', 'junk-3'], keys('c3')));
    expect(refused).toBeInstanceOf(TooManySubscriptionsError);
    expect(registry.openFor('junk-3')).toBe(0);
    expect(registry.openFor('key')).toBe(2);
    expect(registry.openFor('junk-2')).toBe(1);
    second.release();
    expect(registry.openFor('key')).toBe(1);
    expect(registry.openFor('junk-2')).toBe(0);
    expect(registry.stats.tenants.has('junk-2')).toBe(false);
  });

  it('counts each distinct call once, across a credential’s subscriptions and within one', () => {
    const registry = new SubscriptionRegistry({ ...limits, perTenant: 10, total: 10 });
    const many = registry.acquire('A', keys('c1', 'c2', 'c2', 'c1'));
    expect(registry.watchedBy('A')).toBe(2);
    const again = registry.acquire('A', keys('c2', 'c3'));
    expect(registry.watchedBy('A')).toBe(3);
    expect(attempt(() => registry.acquire('A', keys('c4')))).toBeInstanceOf(TooManySubscriptionsError);
    expect(attempt(() => registry.acquire('A', keys('c1', 'c2', 'c3', 'c4')))).toBeInstanceOf(TooManySubscriptionsError);
    registry.acquire('A', keys('c1', 'c3'));
    expect(attempt(() => registry.acquire('B', keys('c1', 'c2', 'c3', 'c4')))).toBeInstanceOf(TooManySubscriptionsError);

    many.release();
    expect(registry.watchedBy('A')).toBe(3);
    again.release();
    expect(registry.watchedBy('A')).toBe(2);
    registry.acquire('A', keys('c4'));
  });

  it('counts open subscriptions per transport, under caps shared by both', () => {
    const registry = new SubscriptionRegistry(limits);
    const sse = registry.acquire('A', keys('c1'), 'sse');
    const ws = registry.acquire('A', keys('c2'), 'ws');
    expect(registry.stats.byTransport).toEqual({ sse: 1, ws: 1 });
    // A's third is refused whichever transport it comes by, and counts nowhere.
    expect(attempt(() => registry.acquire('A', keys('c3'), 'ws'))).toBeInstanceOf(TooManySubscriptionsError);
    expect(registry.stats.byTransport).toEqual({ sse: 1, ws: 1 });
    ws.release();
    ws.release();
    expect(registry.stats.byTransport).toEqual({ sse: 1, ws: 0 });
    sse.release();
    registry.acquire('B', keys('c1'));
    expect(registry.stats.byTransport).toEqual({ sse: 1, ws: 0 });
    registry.completeAll();
    expect(registry.stats.byTransport).toEqual({ sse: 0, ws: 0 });
  });

  it('completeAll ends every lease and forgets every credential', () => {
    const registry = new SubscriptionRegistry(limits);
    const leases = [registry.acquire('A', keys('c1')), registry.acquire('B', keys('c1'))];
    expect(registry.completeAll()).toBe(2);
    expect(leases.every((lease) => lease.signal.aborted)).toBe(true);
    expect([registry.stats.open, registry.openFor('A'), registry.watchedBy('B')]).toEqual([0, 0, 0]);
    for (const lease of leases) lease.release();
    expect(registry.stats.open).toBe(0);
  });
});

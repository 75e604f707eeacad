/**
 * The upstream scheduler on its own (talkstack/scheduler.ts): slot accounting, round-robin
 * between tenants, and cancellation of queued waiters. (Its effect on real upstream traffic is
 * measured through the simulator in test/integration/talkstack/scheduling.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { FetchScope } from '../../../src/fetch/fetchScope.js';
import { CancelledError } from '../../../src/talkstack/cancellation.js';
import { type Release, UpstreamScheduler } from '../../../src/talkstack/scheduler.js';

/** Resolves after every queued microtask and grant has run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('UpstreamScheduler', () => {
  it('grants up to its limit at once, then queues; release is idempotent', async () => {
    const scheduler = new UpstreamScheduler(2);
    const first = scheduler.tryAcquire();
    const second = await scheduler.acquire('a');
    expect(first).toBeDefined();
    expect(scheduler.tryAcquire()).toBeUndefined();
    expect(scheduler.stats.inFlight).toBe(2);

    let third: Release | undefined;
    void scheduler.acquire('a').then((release) => (third = release));
    expect(scheduler.stats.waiting).toBe(1);
    first?.();
    first?.(); // a second release must not free a slot it does not hold
    await settle();
    expect(third).toBeDefined();
    expect(scheduler.stats.inFlight).toBe(2);
    expect(scheduler.stats.waiting).toBe(0);
    second();
    third?.();
    expect(scheduler.stats.inFlight).toBe(0);
  });

  it('does not let tryAcquire overtake queued waiters', async () => {
    const scheduler = new UpstreamScheduler(1);
    const held = scheduler.tryAcquire();
    const queued = scheduler.acquire('a');
    held?.();
    expect(scheduler.tryAcquire()).toBeUndefined(); // the slot went to the waiter
    (await queued)();
    expect(scheduler.stats.inFlight).toBe(0);
  });

  it('serves waiting tenants in turn, each in arrival order', async () => {
    const scheduler = new UpstreamScheduler(1);
    const held = scheduler.tryAcquire();
    const order: string[] = [];
    const queue = (tenant: string, label: string) =>
      scheduler.acquire(tenant).then((release) => {
        order.push(label);
        release();
      });
    // A heavy tenant queues a page first; two light tenants arrive after it.
    const all = [
      ...['h1', 'h2', 'h3', 'h4', 'h5'].map((label) => queue('heavy', label)),
      queue('light', 'l1'),
      queue('other', 'o1'),
      queue('light', 'l2'),
    ];
    expect(scheduler.stats.waiting).toBe(8);
    expect(scheduler.stats.waitingTenants).toBe(3);
    held?.();
    await Promise.all(all);
    expect(order).toEqual(['h1', 'l1', 'o1', 'h2', 'l2', 'h3', 'h4', 'h5']);
    expect(scheduler.stats.inFlight).toBe(0);
  });

  it('within a tenant, serves its operations in turn: one client\'s page does not starve another\'s call', async () => {
    const scheduler = new UpstreamScheduler(1);
    const holder = scheduler.tryAcquire() as Release;
    const page = new FetchScope();
    const single = new FetchScope();
    const order: string[] = [];
    const queue = (name: string, scope: FetchScope) =>
      void scheduler.acquire('tenant', scope).then((release) => {
        order.push(name);
        release();
      });
    for (let i = 0; i < 4; i++) queue(`page${i}`, page);
    queue('single', single);
    holder();
    await settle();
    expect(order).toEqual(['page0', 'single', 'page1', 'page2', 'page3']);
  });

  it('a call of two tenants waits in the busier queue: a varied second header gains no extra turns', async () => {
    const scheduler = new UpstreamScheduler(1);
    const holder = scheduler.tryAcquire() as Release;
    const pending = [scheduler.acquire('auth'), scheduler.acquire('auth')];
    expect(scheduler.queueOf(['junk-key-1', 'auth'])).toBe('auth');
    expect(scheduler.queueOf(['only'])).toBe('only');
    expect(scheduler.queueOf(['idle-a', 'idle-b'])).toBe('idle-a');
    holder();
    for (const waiting of pending) (await waiting)();
  });

  it('drops a cancelled waiter from the queue: never granted, and its tenant loses its turn', async () => {
    const scheduler = new UpstreamScheduler(1);
    const held = scheduler.tryAcquire();
    const cancellation = new FetchScope();
    const cancelled = scheduler.acquire('gone', cancellation);
    const served: string[] = [];
    const next = scheduler.acquire('stays').then((release) => {
      served.push('stays');
      release();
    });
    cancellation.cancel();
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    expect(scheduler.stats.waiting).toBe(1);
    expect(scheduler.stats.waitingTenants).toBe(1);
    held?.();
    await next;
    expect(served).toEqual(['stays']);
    expect(scheduler.stats.inFlight).toBe(0);
    expect(scheduler.stats.waiting).toBe(0);
  });

  it('refuses work already cancelled, and a limit below 1', async () => {
    const scheduler = new UpstreamScheduler(1);
    const held = scheduler.tryAcquire();
    const cancellation = new FetchScope();
    cancellation.cancel();
    await expect(scheduler.acquire('a', cancellation)).rejects.toBeInstanceOf(CancelledError);
    expect(scheduler.stats.waiting).toBe(0);
    held?.();
    expect(() => new UpstreamScheduler(0)).toThrow(RangeError);
  });
});

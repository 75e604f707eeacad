/**
 * Readiness (lifecycle/readiness.ts): starting → ready → draining, only forward, a stop during
 * start-up final too; the shared cache's state reported through its probe without changing
 * the status. (/readiness over HTTP: integration/lifecycle/readiness.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Readiness } from '../../../src/lifecycle/readiness.js';

describe('readiness', () => {
  it('moves only forward: starting → ready → draining', () => {
    const readiness = new Readiness();
    expect(readiness.report()).toEqual({ status: 'starting', redis: 'off' });
    expect(readiness.ready).toBe(false);
    readiness.markReady();
    expect(readiness.report()).toEqual({ status: 'ready', redis: 'off' });
    expect(readiness.ready).toBe(true);
    readiness.markDraining();
    readiness.markReady();
    expect(readiness.report()).toEqual({ status: 'draining', redis: 'off' });
    expect(readiness.ready).toBe(false);
  });

  it('a stop during start-up is final too', () => {
    const readiness = new Readiness();
    readiness.markDraining();
    readiness.markReady();
    expect(readiness.status).toBe('draining');
  });

  it('reports the shared cache through its probe, which never changes the status', () => {
    let redis: 'up' | 'down' = 'up';
    const readiness = new Readiness(() => redis);
    readiness.markReady();
    expect(readiness.report()).toEqual({ status: 'ready', redis: 'up' });
    redis = 'down';
    expect(readiness.report()).toEqual({ status: 'ready', redis: 'down' });
    expect(readiness.ready).toBe(true);
  });
});

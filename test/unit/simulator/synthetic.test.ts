/**
 * Synthetic calls on their own (simulator/synthetic.ts): a bounded cache of answers that drops
 * the oldest first and rebuilds them byte for byte. (Served over HTTP:
 * test/integration/simulator/synthetic.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { SyntheticCalls } from '../../../src/simulator/synthetic.js';

describe('synthetic calls', () => {
  it('keeps a bounded cache that drops the oldest answers first and rebuilds them identically', () => {
    const calls = new SyntheticCalls();
    const first = calls.response('CAcache_0');
    expect(calls.response('CAcache_0')).toBe(first);
    for (let i = 1; i < 50_000; i++) calls.response(`CAcache_${i}`);
    const last = calls.response('CAcache_50000');
    const rebuilt = calls.response('CAcache_0');
    expect(rebuilt).not.toBe(first);
    expect(rebuilt?.body.equals(first?.body ?? Buffer.alloc(0))).toBe(true);
    // Only the oldest went: the newest one is still the cached object.
    expect(calls.response('CAcache_50000')).toBe(last);
    expect(calls.response('not a sid')).toBeUndefined();
  });
});

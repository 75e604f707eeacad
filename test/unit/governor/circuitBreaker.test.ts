/**
 * One tenant's circuit breaker (governor/circuitBreaker.ts) on a hand-driven clock: the
 * opening rule (≥ 20 tries in 10 s, half failed, ≥ 3 distinct calls), one probe a second,
 * closing on a success.
 */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, PROBE_EVERY_MS, WINDOW_MS } from '../../../src/governor/circuitBreaker.js';

function fail(breaker: CircuitBreaker, count: number, at: number, calls: readonly string[]) {
  let change: string | undefined;
  for (let i = 0; i < count; i++) change = breaker.finished(at, calls[i % calls.length], false) ?? change;
  return change;
}

describe('circuit breaker', () => {
  it('opens at 20 tries, half failed, over 3 distinct calls; refuses then, one probe a second', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 10; i++) breaker.finished(0, undefined, false);
    expect(fail(breaker, 9, 1, ['a', 'b', 'c'])).toBeUndefined();
    expect(breaker.admit(1)).toBe('pass');
    expect(fail(breaker, 1, 2, ['a'])).toBe('opened');
    expect(breaker.open).toBe(true);
    expect(breaker.admit(3)).toBe('refuse');
    expect(breaker.retryAfterMs(3)).toBe(2 + PROBE_EVERY_MS - 3);
    expect(breaker.admit(2 + PROBE_EVERY_MS)).toBe('probe');
    // one at a time, and not again within the second
    expect(breaker.admit(2 + PROBE_EVERY_MS)).toBe('refuse');
    expect(breaker.finished(2 + PROBE_EVERY_MS + 5, 'a', true)).toBeUndefined();
    expect(breaker.admit(2 + PROBE_EVERY_MS + 500)).toBe('refuse');
    expect(breaker.admit(2 + 2 * PROBE_EVERY_MS)).toBe('probe');
    expect(breaker.finished(2 + 2 * PROBE_EVERY_MS + 5, undefined, true)).toBe('closed');
    expect(breaker.admit(2 + 2 * PROBE_EVERY_MS + 6)).toBe('pass');
    expect(breaker.plain).toBe(true);
  });

  it('one call that always fails never opens it, however often', () => {
    const breaker = new CircuitBreaker();
    expect(fail(breaker, 500, 0, ['always-500'])).toBeUndefined();
    expect(fail(breaker, 500, 0, ['always-500', 'always-timeout'])).toBeUndefined();
    expect(breaker.open).toBe(false);
  });

  it('fewer than 20 tries, or failures under half, or failures older than 10 s: stays closed', () => {
    const few = new CircuitBreaker();
    expect(fail(few, 19, 0, ['a', 'b', 'c'])).toBeUndefined();
    const mostlyFine = new CircuitBreaker();
    for (let i = 0; i < 11; i++) mostlyFine.finished(0, undefined, false);
    expect(fail(mostlyFine, 10, 0, ['a', 'b', 'c'])).toBeUndefined();
    const old = new CircuitBreaker();
    fail(old, 15, 0, ['a', 'b', 'c']);
    expect(fail(old, 10, WINDOW_MS + 1, ['a', 'b', 'c'])).toBeUndefined();
  });

  it('a dropped probe frees the probe slot; a success already in flight closes it', () => {
    const breaker = new CircuitBreaker();
    fail(breaker, 20, 0, ['a', 'b', 'c']);
    expect(breaker.admit(PROBE_EVERY_MS)).toBe('probe');
    breaker.probeDropped();
    expect(breaker.admit(PROBE_EVERY_MS + 1)).toBe('refuse');
    expect(breaker.finished(PROBE_EVERY_MS + 2, undefined, false)).toBe('closed');
  });
});

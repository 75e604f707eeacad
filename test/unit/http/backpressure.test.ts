/**
 * The backpressure rule on its own (http/backpressure.ts): one stream past its limit is
 * closed; past the process's limit, the largest backlogs go first until the total is under.
 */
import { describe, expect, it } from 'vitest';
import { BackpressureGuard } from '../../../src/http/backpressure.js';

const stream = (name: string, unsent: number, closed: string[]) => ({ unsent, close: () => void closed.push(name) });

describe('BackpressureGuard', () => {
  it('closes a stream past its own limit, at its send or at the sweep', () => {
    const closed: string[] = [];
    const guard = new BackpressureGuard({ streamLimit: 100, processLimit: 1000 });
    const big = stream('big', 101, closed);
    guard.checkOne(big);
    guard.checkOne(stream('fine', 100, closed));
    expect(closed).toEqual(['big']);
    guard.watch(stream('late', 150, closed));
    guard.sweep();
    expect(closed).toEqual(['big', 'late']);
    expect(guard.stats.closed).toBe(2);
    guard.stop();
  });

  it('past the process limit, closes the largest first until under it', () => {
    const closed: string[] = [];
    const guard = new BackpressureGuard({ streamLimit: 500, processLimit: 1000 });
    for (const [name, unsent] of [['a', 400], ['b', 300], ['c', 450], ['d', 100]] as const) guard.watch(stream(name, unsent, closed));
    guard.include(() => [stream('answer', 200, closed)]);
    guard.sweep();
    // 1450 in all: c (450) brings it to 1000
    expect(closed).toEqual(['c']);
    guard.stop();
  });
});

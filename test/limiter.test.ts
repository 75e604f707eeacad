import { describe, expect, it } from 'vitest';
import { Limiter } from '../src/talkstack/limiter.js';

describe('Limiter', () => {
  it('admits up to its limit and serves waiters in arrival order', async () => {
    const limiter = new Limiter(2);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const order: string[] = [];
    const third = limiter.acquire().then((release) => (order.push('third'), release));
    const fourth = limiter.acquire().then((release) => (order.push('fourth'), release));
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(2);

    first();
    first(); // releasing twice must not free a second slot
    const releaseThird = await third;
    expect(order).toEqual(['third']);
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(1);

    second();
    const releaseFourth = await fourth;
    expect(order).toEqual(['third', 'fourth']);
    releaseThird();
    releaseFourth();
    expect(limiter.active).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
  });
});

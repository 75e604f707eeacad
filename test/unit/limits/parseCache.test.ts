/**
 * Yoga's cache of parsed and validated documents (limits/parseCache.ts), bounded by weight and
 * not only by count: near-limit documents are big. Least recently used entries go first; one
 * alone over the budget is never kept.
 */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentWeight, WeightedLruCache } from '../../../src/limits/parseCache.js';

describe('parse cache bounded by weight', () => {
  it('keeps the weights it holds within its budget, evicting the least recently used', () => {
    const cache = new WeightedLruCache<string>(100, 10, (_key, value) => value.length);
    cache.set('a', 'x'.repeat(40));
    cache.set('b', 'x'.repeat(40));
    expect(cache.get('a')).toBeDefined(); // now the most recent
    cache.set('c', 'x'.repeat(40)); // over budget: "b" goes
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.weight).toBe(80);
    cache.set('huge', 'x'.repeat(101)); // alone over budget: never cached
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size).toBe(2);
    for (let i = 0; i < 20; i++) cache.set(`k${i}`, '');
    expect(cache.size).toBe(10);
  });

  it('weighs a document by its text and its tokens', () => {
    const text = '{ a b c }';
    expect(documentWeight(text, parse(text))).toBe(2 * text.length + 440 * 7); // <SOF>, 5 tokens, <EOF>
  });
});

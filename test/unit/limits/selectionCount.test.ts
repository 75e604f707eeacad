/**
 * MAX_SELECTIONS' count on its own (limits/selectionCount.ts): fields, a fragment at each
 * spread, introspection subtrees aside, linear whatever the fragments, and an early stop.
 */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectionCount } from '../../../src/limits/selectionCount.js';

const count = (text: string, max = 1_000_000) => selectionCount(parse(text), max);

describe('selectionCount', () => {
  it('counts every field selection, nested ones included', () => {
    expect(count('{ call(sid: "a") { sid status recordings { url } } }')).toBe(5);
  });

  it('counts a fragment at each spread, inline fragments by content', () => {
    expect(count('{ a: call(sid: "a") { ...F } b: call(sid: "b") { ...F ... on Call { sid } } } fragment F on Call { sid status }')).toBe(2 + 2 * 2 + 1);
  });

  it('leaves whole __schema / __type subtrees aside', () => {
    expect(count('{ __schema { types { name fields { name } } } __type(name: "Call") { name } call(sid: "a") { sid } }')).toBe(2);
  });

  it('stops at the bound: a fragment bomb costs its size, not its expansion', () => {
    const levels = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Call { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const started = performance.now();
    expect(count(`{ call(sid: "a") { ...F0 } } ${levels} fragment F30 on Call { sid }`, 500)).toBe(Infinity);
    // Microseconds when it stops at the bound; the expansion (2^30 spreads) would take minutes.
    // 1 s leaves room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a fragment cycle counts nothing more (graphql reports it)', () => {
    expect(count('{ call(sid: "a") { ...A } } fragment A on Call { sid ...B } fragment B on Call { status ...A }')).toBe(3);
  });
});

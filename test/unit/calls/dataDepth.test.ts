/**
 * The depth cut of a call's `data` (calls/dataDepth.ts): `data` is depth 1, and an object or
 * array at depth 32 becomes null while a scalar there stays; arrays count as levels; keys such
 * as `__proto__` are copied as plain keys; the input is never changed. (A call 5,000 levels
 * deep served over HTTP: integration/calls/dataDepth.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { cutDeepData, MAX_DATA_DEPTH } from '../../../src/calls/dataDepth.js';

/** `data` whose chain of keys "a" is `levels` long, ending in `leaf`. */
const chain = (levels: number, leaf: unknown): Record<string, unknown> => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as Record<string, unknown>;
};
/** The value at `depth` along the chain (`data` is depth 1). */
const at = (data: unknown, depth: number): unknown => {
  let value = data;
  for (let d = 1; d < depth; d++) value = (value as { a: unknown }).a;
  return value;
};

describe('data nested deeper than 32 levels', () => {
  it('data is depth 1; an object or array at depth 32 becomes null, a scalar there stays', () => {
    expect(MAX_DATA_DEPTH).toBe(32);
    // data + 30 objects: the object at depth 31 holds a: "leaf" at depth 32
    const scalarAt32 = chain(31, 'leaf');
    expect(at(scalarAt32, 32)).toBe('leaf');
    expect(cutDeepData(scalarAt32)).toBe(scalarAt32); // nothing to cut: the same object
    const objectAt32 = chain(32, 'leaf');
    const cut = cutDeepData(objectAt32);
    expect(at(cut, 31)).toEqual({ a: null });
    expect(at(objectAt32, 32)).toEqual({ a: 'leaf' }); // the input is not changed
    const arrayAt32 = chain(31, [1, 2]);
    expect(at(cutDeepData(arrayAt32), 32)).toBeNull();
  });

  it('cuts inside arrays too, and copies keys such as __proto__ as plain keys', () => {
    const data = JSON.parse(`{"list":[${JSON.stringify(chain(31, 'deep'))}], "__proto__": ${JSON.stringify(chain(31, 'x'))}, "ok": 1}`) as Record<string, unknown>;
    const cut = cutDeepData(data);
    // "list" is depth 2 and its entry depth 3, so the 30th object of that chain is at depth 32;
    // under "__proto__" (depth 2) it is the 31st, the one holding "x".
    expect(JSON.stringify(cut)).toBe(JSON.stringify(data).replace('{"a":{"a":"deep"}}', 'null').replace('{"a":"x"}', 'null'));
    expect(Object.getPrototypeOf(cut)).toBe(Object.prototype);
    expect(Object.keys(cut)).toEqual(['list', '__proto__', 'ok']);
  });
});

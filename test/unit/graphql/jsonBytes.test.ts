/**
 * jsonBytes (graphql/jsonBytes.ts) is exactly the UTF-8 length of JSON.stringify, for the
 * values results hold: escapes, non-ASCII, surrogates, null-prototype objects, nesting, shared
 * objects (measured once), undefined members, non-finite numbers and `toJSON`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonBytes } from '../../../src/graphql/jsonBytes.js';

const exact = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? 'null');

describe('jsonBytes', () => {
  it('is the byte length of JSON.stringify for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonBytes(value)).toBe(exact(value));
      }),
      { numRuns: 300 },
    );
  });

  it('counts what JSON.stringify does with strings to escape, long text, and the odd values', () => {
    const shared = { transcript: 'x'.repeat(100_000) + 'é€😀', quoted: 'a "b" \\ c\n' + 'y'.repeat(80), lone: 'a\ud800b'.repeat(30) };
    const entry = Object.assign(Object.create(null) as Record<string, unknown>, { sid: 'CA1', data: shared, gone: undefined, at: new Date(0) });
    const values: unknown[] = [shared, entry, [entry, entry, undefined, () => 1], { n: Number.NaN, m: -0, big: 1e21, t: true, f: false }, 'é'.repeat(100)];
    for (const value of values) expect(jsonBytes(value)).toBe(exact(value));
  });
});

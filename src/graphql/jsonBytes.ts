/**
 * The bytes of a value's JSON (UTF-8), as `JSON.stringify` would write it, without writing it.
 *
 * Why not `Buffer.byteLength(JSON.stringify(value))`: the values measured for
 * MAX_RESPONSE_BYTES (graphql/responseSize.ts) are the executor's fresh result objects, but
 * what makes them large is shared: every entry of `calls(sids: 1000 × one sid)` holds the same
 * call's `data` object, and so do the other operations that asked for it. Objects and arrays
 * are measured once each (a WeakMap keyed by the object), so the thousandth entry costs a few
 * property reads, not another 240 KB string written and counted. Measured: 8 such requests at
 * once spent 1.4 s in the string-and-count form, blocking `/health` as long.
 *
 * Values are the executor's output (plain objects, arrays, strings, finite numbers, booleans,
 * null) and JSON scalars' values; anything else (a `toJSON`, a class instance) falls back to
 * `JSON.stringify`. A measured object must not change afterwards: results and held calls never do.
 */
const measured = new WeakMap<object, number>();

export function jsonBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'object':
      return value === null ? 4 : objectBytes(value);
    default:
      // undefined and functions: left out of objects, `null` in arrays; bigint throws in JSON.stringify
      return 4;
  }
}

/** A string with nothing to escape is its UTF-8 bytes and two quotes. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function stringBytes(text: string): number {
  if (text.length < 64 || NEEDS_ESCAPE.test(text)) return Buffer.byteLength(JSON.stringify(text));
  return Buffer.byteLength(text) + 2;
}

function objectBytes(value: object): number {
  let bytes = measured.get(value);
  if (bytes !== undefined) return bytes;
  if (Array.isArray(value)) {
    bytes = 2 + Math.max(0, value.length - 1);
    for (const entry of value) bytes += entry === undefined || typeof entry === 'function' ? 4 : jsonBytes(entry);
  } else if (typeof (value as { toJSON?: unknown }).toJSON === 'function' || !isPlain(value)) {
    bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
  } else {
    bytes = 2;
    let first = true;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const entry = (value as Record<string, unknown>)[key];
      if (entry === undefined || typeof entry === 'function' || typeof entry === 'symbol') continue;
      bytes += (first ? 0 : 1) + stringBytes(key) + 1 + jsonBytes(entry);
      first = false;
    }
  }
  measured.set(value, bytes);
  return bytes;
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

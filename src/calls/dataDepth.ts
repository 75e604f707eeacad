/**
 * `Call.data` is kept at most 32 levels deep (contract: "values nested deeper than 32 levels
 * are cut; the value at depth 32 becomes null").
 *
 * Depth, as counted here: `data` itself is depth 1; a value inside an object or array at
 * depth d is at depth d + 1. So `data.a` is depth 2 and `data.a1.….a31` depth 32. An object or
 * an array at depth 32 becomes null, since its contents would be deeper than 32; a string,
 * number, boolean or null at depth 32 stays as it is.
 *
 * Why: the response is serialized by a recursive JSON.stringify, which overflows the stack
 * somewhere past 3,000 levels, and one call with a 5,000-level `data` then failed the whole
 * operation ("Unexpected error."). Parsing such a body is fine (V8's JSON.parse is not
 * recursive), so cutting at mapping time is enough, and caches only ever hold cut data.
 *
 * The walk never goes deeper than the limit, and copies only the objects along a path that is
 * cut: data within the limit comes back as the very same object.
 */

export const MAX_DATA_DEPTH = 32;

type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

/** `data` (depth 1) with every object or array at depth `maxDepth` replaced by null. */
export function cutDeepData(data: Record<string, unknown>, maxDepth: number = MAX_DATA_DEPTH): Record<string, unknown> {
  return maxDepth <= 1 ? {} : cutInside(data, 1, maxDepth);
}

/** The value at `depth`, cut. */
function cutValue(value: unknown, depth: number, maxDepth: number): unknown {
  if (!isContainer(value)) return value;
  return depth >= maxDepth ? null : cutInside(value, depth, maxDepth);
}

/** The container at `depth`, with its contents (at depth + 1) cut. */
function cutInside<T extends Container>(container: T, depth: number, maxDepth: number): T {
  if (Array.isArray(container)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < container.length; index++) {
      const value: unknown = container[index];
      const cut = cutValue(value, depth + 1, maxDepth);
      if (cut !== value) (copy ??= container.slice())[index] = cut;
    }
    return (copy ?? container) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(container)) {
    const value = container[key];
    const cut = cutValue(value, depth + 1, maxDepth);
    if (cut === value) continue;
    copy ??= { ...container };
    // Not `copy[key] = cut`: for a key "__proto__" (JSON may have one) that sets the prototype.
    Object.defineProperty(copy, key, { value: cut, enumerable: true, writable: true, configurable: true });
  }
  return (copy ?? container) as T;
}

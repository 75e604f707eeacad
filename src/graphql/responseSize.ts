/**
 * MAX_RESPONSE_BYTES (contract: "Bounded cost per client"): the `data` of one answer stays
 * within it. The calls from the point where it would pass, in response order, are `null`
 * with one RESPONSE_TOO_LARGE error each (MAX_ERRORS then caps the list).
 *
 * Cheap for ordinary answers: the resolvers add each call's weight (fetch/callStore.ts:
 * `callWeightOf`, computed once per call object, a generous estimate of its JSON) as they
 * resolve it; only an operation whose estimate passes the budget has its result measured,
 * call by call, in response order: 1,000 copies of a call carrying 240 KB of `data` are cut
 * after about 8 MB, before the answer is ever written out whole.
 *
 * The parts of an incremental result (@defer, @stream) and subscription events are not
 * measured yet.
 */
import { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Call } from '../calls/call.js';
import { callWeightOf } from '../fetch/callStore.js';

/** Estimated bytes of the calls resolved so far, per operation context. */
const estimates = new WeakMap<object, number>();

/** A call resolved for the operation of `ctx`: its weight counts toward the estimate. */
export function noteResolved(ctx: object, call: Call): void {
  estimates.set(ctx, (estimates.get(ctx) ?? 0) + callWeightOf(call));
}

export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

type Data = Record<string, unknown>;
type WithErrors = { data?: Data | null; errors?: readonly GraphQLError[] };

/**
 * Nulls the calls of `data` from where their JSON passes `max` bytes, in response order
 * (root fields in order; a list's entries in order), and returns an error per call left out.
 */
function cut(data: Data, max: number): GraphQLError[] {
  const errors: GraphQLError[] = [];
  let used = 2;
  const measure = (value: unknown, path: (string | number)[], setNull: () => void) => {
    if (value === null || value === undefined) return;
    if (used <= max) {
      used += Buffer.byteLength(JSON.stringify(value)) + 1;
      if (used <= max) return;
    }
    setNull();
    errors.push(
      new GraphQLError(`The answer would pass MAX_RESPONSE_BYTES (${max} bytes): this call and the ones after it are left out.`, {
        path,
        extensions: { code: RESPONSE_TOO_LARGE },
      }),
    );
  };
  for (const key of Object.keys(data)) {
    used += key.length + 4;
    const value = data[key];
    if (Array.isArray(value)) {
      value.forEach((entry, index) => measure(entry, [key, index], () => (value[index] = null)));
    } else {
      measure(value, [key], () => (data[key] = null));
    }
  }
  return errors;
}

export function useResponseSizeLimit(maxBytes: number): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const ctx = args.contextValue as object;
          const estimate = estimates.get(ctx);
          if (estimate === undefined || estimate <= maxBytes || isAsyncIterable(result)) return undefined;
          const single = result as WithErrors;
          if (!single.data) return undefined;
          const errors = cut(single.data, maxBytes);
          if (errors.length > 0) setResult({ ...single, errors: [...(single.errors ?? []), ...errors] } as typeof result);
          return undefined;
        },
      };
    },
  };
}

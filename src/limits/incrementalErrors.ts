/**
 * MAX_ERRORS for an incremental result (@defer, @stream): one response, sent in several
 * payloads, so the limit counts errors across all of them, in the order they are sent. The
 * first MAX_ERRORS are listed; where the first one past the limit would be, one
 * `TOO_MANY_ERRORS` error says that the rest are left out; later payloads carry no errors.
 * `data` and `items` are untouched (the failed fields stay null), as for a single result.
 *
 * How many are left out in all cannot be said when the notice is sent (later payloads are not
 * computed yet), so unlike the single result's, its message gives no count.
 */
import { GraphQLError } from 'graphql';
import type { ErrorHolder, IncrementalPayload } from '../graphql/incrementalPayloads.js';

/**
 * One operation's error budget: call the returned function with each payload, in order.
 * `code` is errorCount.ts's TOO_MANY_ERRORS, passed in so the two modules do not import each other.
 */
export function errorBudgetAcrossPayloads(maxErrors: number, code: string): (payload: IncrementalPayload) => IncrementalPayload {
  let listed = 0;
  let cut = false;
  const notice = () =>
    new GraphQLError(
      `Errors past the first ${maxErrors} were left out: a response lists at most ${maxErrors} (MAX_ERRORS), counted across all the payloads of an incremental (@defer, @stream) response.`,
      { extensions: { code } },
    );

  /** `holder` with its errors within what is left of the budget (the same object when nothing changes). */
  const bound = <T extends ErrorHolder>(holder: T): T => {
    const errors = holder.errors;
    if (!errors || errors.length === 0) return holder;
    if (cut) {
      const { errors: _dropped, ...rest } = holder;
      return rest as T;
    }
    const room = maxErrors - listed;
    if (errors.length <= room) {
      listed += errors.length;
      return holder;
    }
    cut = true;
    listed = maxErrors;
    return { ...holder, errors: [...errors.slice(0, room), notice()] };
  };

  return (payload) => {
    let bounded = bound(payload);
    const parts = payload.incremental;
    if (parts) {
      let changed = false;
      const boundedParts = parts.map((part) => {
        const next = bound(part);
        changed ||= next !== part;
        return next;
      });
      if (changed) bounded = { ...bounded, incremental: boundedParts };
    }
    return bounded;
  };
}

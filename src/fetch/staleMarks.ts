/**
 * Which calls are stale answers (contract: "Stale if error"): a copy of a held call, marked
 * with the code of the failure it stands in for. A mark travels with the object only, so the
 * held call it was copied from stays unmarked, the store never holds a marked copy
 * (callStore.ts), and the fast path never keeps an answer made with one (it is not the held
 * object: http/settledAnswers.ts).
 */
import type { Call } from '../calls/call.js';
import type { ErrorCode } from '../calls/callDataErrors.js';

const marks = new WeakMap<Call, ErrorCode>();

/** A copy of `call` answered instead of a failure coded `code`. */
export function staleAnswerOf(call: Call, code: ErrorCode): Call {
  const copy = { ...call };
  marks.set(copy, code);
  return copy;
}

/** The code of the failure `call` stands in for, when it is a stale answer. */
export const staleCodeOf = (call: Call): ErrorCode | undefined => marks.get(call);

export const isStaleAnswer = (call: Call): boolean => marks.has(call);

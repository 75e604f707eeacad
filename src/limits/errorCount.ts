/**
 * MAX_ERRORS: a response lists its first MAX_ERRORS errors, then one last `TOO_MANY_ERRORS`
 * error saying how many were left out; `data` is untouched, so the failed fields stay null.
 *
 * Cut as soon as execution is done, before Yoga masks the errors and serializes them: both
 * steps make new error objects for every error (the serializer formats each one's stack), and
 * measured, they were most of the cost of a response with thousands of errors. Subscription
 * events are cut the same way, one event at a time. An incremental result (@defer, @stream) is
 * one response in several payloads: its errors are counted across all of them
 * (incrementalErrors.ts).
 */
import { type ExecutionResult, GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { IncrementalPayload } from '../graphql/incrementalPayloads.js';
import { errorBudgetAcrossPayloads } from './incrementalErrors.js';

export const TOO_MANY_ERRORS = 'TOO_MANY_ERRORS';

/** `result` with at most `maxErrors` of its errors and, if any were left out, one that says so. */
export function withBoundedErrors<T extends ExecutionResult>(result: T, maxErrors: number): T {
  const errors = result.errors;
  if (!errors || errors.length <= maxErrors) return result;
  const omitted = errors.length - maxErrors;
  const tooMany = new GraphQLError(
    `${omitted} more error${omitted === 1 ? ' was' : 's were'} left out: a response lists at most ${maxErrors} (MAX_ERRORS).`,
    { extensions: { code: TOO_MANY_ERRORS } },
  );
  return { ...result, errors: [...errors.slice(0, maxErrors), tooMany] };
}

export function useErrorCountLimit(maxErrors: number): Plugin {
  const bound = ({ result, setResult }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) => {
    const bounded = withBoundedErrors(result, maxErrors);
    if (bounded !== result) setResult(bounded);
  };
  return {
    onExecute() {
      return {
        onExecuteDone(payload) {
          if (!isAsyncIterable(payload.result)) return handleStreamOrSingleExecutionResult(payload, bound);
          // One budget per operation, made only for incremental results.
          const budget = errorBudgetAcrossPayloads(maxErrors, TOO_MANY_ERRORS);
          return {
            onNext({ result, setResult }) {
              const bounded = budget(result as IncrementalPayload);
              if (bounded !== result) setResult(bounded as ExecutionResult);
            },
          };
        },
      };
    },
    onSubscribe() {
      return { onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, bound) };
    },
  };
}

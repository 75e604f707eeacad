/**
 * A variable of the wrong type (or a required one missing, or null) is the caller's mistake:
 * HTTP 400 `BAD_USER_INPUT`. The executor (graphql-tools) already answers 400 for it, but
 * without a code for queries (it does code it for subscriptions).
 *
 * Those errors are the only ones of a result without `data` that have no code: the executor
 * refused to start, and its other refusals (unknown or ambiguous operation name) carry
 * `OPERATION_RESOLUTION_FAILURE`.
 */
import type { ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { refusedOperationHttp } from './refusalStatus.js';

/** graphql's message repeats the whole invalid value: a 1 MB variable would come back whole. */
const MAX_MESSAGE_CHARS = 300;

export function codeVariableErrors(result: ExecutionResult): void {
  if ('data' in result || !result.errors) return;
  for (const error of result.errors) {
    if (error.message.length > MAX_MESSAGE_CHARS) {
      // GraphQLError.message is writable; a new error would lose its locations.
      (error as { message: string }).message = `${error.message.slice(0, MAX_MESSAGE_CHARS)}… (cut at ${MAX_MESSAGE_CHARS} characters)`;
    }
    const extensions = error.extensions as Record<string, unknown>;
    extensions['code'] ??= 'BAD_USER_INPUT';
    // Variables that do not coerce: the status follows the media type (refusalStatus.ts).
    if (extensions['code'] === 'BAD_USER_INPUT') extensions['http'] = { ...(extensions['http'] as object | undefined), ...refusedOperationHttp() };
  }
}

export function useVariableErrorCode(): Plugin {
  return {
    onExecute() {
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, ({ result }) => codeVariableErrors(result)) };
    },
  };
}

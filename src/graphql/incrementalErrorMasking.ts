/**
 * Yoga masks the errors of every result and payload (`maskedErrors`), but not those inside the
 * parts of an incremental result (@defer, @stream): a deferred fragment's or a streamed item's
 * failure. This plugin gives them the same `maskError` (errorMasking.ts), so they are coded,
 * and an unexpected one masked and logged, like any other. Nothing runs for other results.
 */
import type { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Logger } from '../logging/logger.js';
import { maskError } from './errorMasking.js';
import type { ErrorHolder, IncrementalPayload } from './incrementalPayloads.js';

export function useIncrementalErrorMasking(logger: Logger): Plugin {
  const masked = (error: GraphQLError): GraphQLError => {
    const result = maskError(error) as GraphQLError;
    if (result !== error) logger.error({ err: error }, 'unexpected error in a deferred or streamed part');
    return result;
  };
  const maskPart = <T extends ErrorHolder>(part: T): T => (part.errors && part.errors.length > 0 ? { ...part, errors: part.errors.map(masked) } : part);
  return {
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result)) return undefined;
          return {
            onNext({ result: payload, setResult }) {
              const parts = (payload as IncrementalPayload).incremental;
              if (!parts?.some((part) => (part.errors?.length ?? 0) > 0)) return;
              setResult({ ...payload, incremental: parts.map(maskPart) } as typeof payload);
            },
          };
        },
      };
    },
  };
}

/**
 * The payloads of an incremental result (@defer, @stream), as the executor
 * (@graphql-tools/executor) yields them: the first one like any result (`data`, `errors`),
 * each later one a list of `incremental` parts (a deferred fragment's `data`, or streamed
 * `items`) with their own `errors`, and `hasNext` until the last. Written here as the few
 * fields the plugins read, so nothing depends on the executor's own types.
 */
import type { GraphQLError } from 'graphql';

/** A payload or one of its parts: what may carry errors. */
export interface ErrorHolder {
  readonly errors?: readonly GraphQLError[] | undefined;
}

export interface IncrementalPayload extends ErrorHolder {
  readonly incremental?: readonly ErrorHolder[] | undefined;
  readonly hasNext?: boolean;
}

/** True when a result, or any part of an incremental payload, lists errors. */
export function payloadHasErrors(result: unknown): boolean {
  const payload = result as IncrementalPayload;
  if ((payload.errors?.length ?? 0) > 0) return true;
  return payload.incremental?.some((part) => (part.errors?.length ?? 0) > 0) ?? false;
}

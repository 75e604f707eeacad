/**
 * The one place where errors become what API users see: domain errors keep their message
 * and gain `extensions.code`; GraphQL's own errors (syntax, validation, HTTP) pass as they
 * are; anything else is masked, so internals and credentials never reach a response.
 */
import { GraphQLError } from 'graphql';
import { isCallDataError } from './errors.js';
import { CancelledError } from './talkstack/cancellation.js';

export const INTERNAL_ERROR_MESSAGE = 'Unexpected error.';

/**
 * A domain error as a coded GraphQL error, anything else unchanged. Resolvers apply it to
 * what they throw, so expected outcomes (a 404 aside, every upstream failure is one) reach
 * the response without being treated, and logged, as unexpected by Yoga's masking.
 * `extensions` go with the code (`callsUpdates` names the call an error event is about: `sid`).
 */
export function toGraphQLError(error: unknown, extensions?: Readonly<Record<string, unknown>>): unknown {
  if (isCallDataError(error)) return new GraphQLError(error.message, { extensions: { ...extensions, code: error.code } });
  // Only an operation whose client has gone can see this: expected, never sent, not logged.
  if (error instanceof CancelledError) return new GraphQLError('The client went away; the call was not fetched.', { extensions: { code: 'CANCELLED' } });
  return error;
}

/** Rethrows a rejection as `toGraphQLError` says. */
export const rethrowCoded = (error: unknown): never => {
  throw toGraphQLError(error);
};

export function maskError(error: unknown, message: string = INTERNAL_ERROR_MESSAGE): Error {
  if (error instanceof GraphQLError) {
    const original = error.originalError;
    if (original === undefined || original === null || original instanceof GraphQLError) return withoutInternals(error);
    if (isCallDataError(original)) {
      return new GraphQLError(original.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        extensions: { ...error.extensions, code: original.code },
      });
    }
    return new GraphQLError(message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  }
  if (isCallDataError(error)) {
    return new GraphQLError(error.message, { extensions: { code: error.code } });
  }
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** Failures of the request itself, sent before anything executes. */
const REQUEST_FAILURES = new Set(['BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

/**
 * Request failures as users should get them: Yoga attaches the parser's own error (with a
 * piece of the body) to some, and marks them to be sent with status 200 to
 * `application/json` clients. A request that cannot be parsed or validated (a limit
 * included) is answered 400 whatever the client accepts: nothing was executed. Edited in
 * place: a new object would make Yoga log a client's mistake as a server error.
 */
function withoutInternals(error: GraphQLError): GraphQLError {
  const extensions = error.extensions as Record<string, unknown>;
  delete extensions['originalError'];
  if (REQUEST_FAILURES.has(extensions['code'] as string)) {
    const http = extensions['http'] as { spec?: boolean; status?: number } | undefined;
    extensions['http'] = { ...http, status: http?.status ?? 400 };
    delete (extensions['http'] as { spec?: boolean }).spec;
  }
  return error;
}

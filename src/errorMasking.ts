/**
 * The one place where errors become what API users see: domain errors keep their message
 * and gain `extensions.code`; GraphQL's own errors (syntax, validation, HTTP) pass as they
 * are; anything else is masked, so internals and credentials never reach a response.
 */
import { GraphQLError } from 'graphql';
import { isCallDataError } from './errors.js';

export const INTERNAL_ERROR_MESSAGE = 'Unexpected error.';

/**
 * A domain error as a coded GraphQL error, anything else unchanged. Resolvers apply it to
 * what they throw, so expected outcomes (a 404 aside, every upstream failure is one) reach
 * the response without being treated, and logged, as unexpected by Yoga's masking.
 */
export function toGraphQLError(error: unknown): unknown {
  return isCallDataError(error) ? new GraphQLError(error.message, { extensions: { code: error.code } }) : error;
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

/**
 * Request-parsing errors as users should get them: Yoga attaches the parser's own error
 * (with a piece of the body) to some, and marks them to be sent with status 200 to
 * `application/json` clients; a body that cannot be parsed is a 400 whatever the client
 * accepts. Edited in place: a new object would make Yoga log a client's mistake as a
 * server error.
 */
function withoutInternals(error: GraphQLError): GraphQLError {
  const extensions = error.extensions as Record<string, unknown>;
  delete extensions['originalError'];
  const http = extensions['http'] as { spec?: boolean } | undefined;
  if (extensions['code'] === 'BAD_REQUEST' && http?.spec === true) delete http.spec;
  return error;
}

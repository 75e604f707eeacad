/**
 * The one place where errors become what API users see: domain errors keep their message
 * and gain `extensions.code`; GraphQL's own errors (syntax, validation, HTTP) pass as they
 * are; anything else is masked, so internals and credentials never reach a response.
 */
import { GraphQLError } from 'graphql';
import { isCallDataError } from './errors.js';

export const INTERNAL_ERROR_MESSAGE = 'Unexpected error.';

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

/** Yoga attaches the parser's own error (with a piece of the body) to some HTTP errors. */
function withoutInternals(error: GraphQLError): GraphQLError {
  if (!error.extensions || !('originalError' in error.extensions)) return error;
  const { originalError: _dropped, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
}

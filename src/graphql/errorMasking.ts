/**
 * The one place where errors become what API users see: Yoga's `maskedErrors.maskError` (HTTP,
 * SSE, and the WebSocket transport through the same envelop).
 * - a domain error (calls/callDataErrors.ts) keeps its message and gains its `extensions.code`
 *   (and `extensions.sid` when it is about one call of a stream);
 * - `CancelledError` is coded `CANCELLED`: only an operation whose client has gone can see it,
 *   so it is never sent, and it is not unexpected;
 * - GraphQL's own errors (syntax, validation, the limits' codes) pass, without internals;
 * - anything else is masked as INTERNAL_SERVER_ERROR, so internals and credentials never reach
 *   a response.
 * A response error made from a resolver's failure is coded in place: Yoga logs every error for
 * which this returns a new object as unexpected, and an upstream failure is expected. For the
 * same reason its original (domain) error is detached once coded: Yoga takes an error whose
 * original is not a GraphQL error for an unexpected one (HTTP 500 for a result without data,
 * such as a refused subscription).
 *
 * Yoga applies this to every result's errors; the parts of an incremental result (@defer,
 * @stream) get it from incrementalErrorMasking.ts.
 */
import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';
import { CallEventError, isCallDataError, RetryLaterError } from '../calls/callDataErrors.js';
import { CancelledError } from '../talkstack/cancellation.js';
import { refusedOperationHttp } from '../limits/refusalStatus.js';

export const INTERNAL_ERROR_MESSAGE = 'Unexpected error.';

/** The extensions a domain failure is coded with; undefined for anything unexpected. */
function codeOf(error: unknown): GraphQLErrorExtensions | undefined {
  if (error instanceof CallEventError) return withRetryAfter({ sid: error.sid, code: error.code }, error.retryAfterMs);
  if (error instanceof RetryLaterError) return withRetryAfter({ code: error.code }, error.retryAfterMs);
  if (isCallDataError(error)) return { code: error.code };
  if (error instanceof CancelledError) return { code: 'CANCELLED' };
  return undefined;
}

/** `extensions.retryAfterMs`: whole milliseconds, when known. */
function withRetryAfter(extensions: { code: string; sid?: string }, retryAfterMs: number | undefined): GraphQLErrorExtensions {
  return retryAfterMs === undefined ? extensions : { ...extensions, retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)) };
}

export function maskError(error: unknown, message: string = INTERNAL_ERROR_MESSAGE): Error {
  if (error instanceof GraphQLError) {
    const original = error.originalError;
    if (original === undefined || original === null || original instanceof GraphQLError) return withoutInternals(error);
    const coded = codeOf(original);
    if (coded) {
      error.message = original.message;
      Object.assign(error.extensions, coded);
      Object.defineProperty(error, 'originalError', { value: undefined });
      return error;
    }
    return new GraphQLError(message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  }
  const coded = codeOf(error);
  if (coded && error instanceof Error) return new GraphQLError(error.message, { extensions: coded });
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** A document that does not parse or validate: its status follows the media type (limits/refusalStatus.ts). */
const DOCUMENT_REFUSALS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

/**
 * Request failures as users should get them: Yoga attaches the parser's own error (with a
 * piece of the body) to some. A document that cannot be parsed or validated (a limit
 * included) is 400 for `application/graphql-response+json` and 200 for `application/json`
 * (limits/refusalStatus.ts); a bad request otherwise (BAD_REQUEST) is 400 for both. Edited in
 * place: a new object would make Yoga log a client's mistake as a server error.
 */
function withoutInternals(error: GraphQLError): GraphQLError {
  const extensions = error.extensions as Record<string, unknown>;
  delete extensions['originalError'];
  const code = extensions['code'] as string;
  const http = extensions['http'] as { spec?: boolean; status?: number } | undefined;
  if (DOCUMENT_REFUSALS.has(code)) {
    extensions['http'] = { ...http, ...refusedOperationHttp() };
  } else if (code === 'BAD_REQUEST') {
    extensions['http'] = { ...http, status: http?.status ?? 400 };
    delete (extensions['http'] as { spec?: boolean }).spec;
  }
  return error;
}

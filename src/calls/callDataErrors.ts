/**
 * Typed domain errors. Lower layers (client, loader, mapping, registry) and the resolvers throw
 * these and know nothing of GraphQL; graphql/errorMasking.ts, at the edge, gives each response
 * error its `extensions.code` from them, in one place.
 * Messages are written for API users: they never contain credentials, URLs with secrets,
 * upstream bodies or stack details.
 */

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'TOO_MANY_REQUESTS'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'NOT_FOUND'
  | 'TOO_MANY_CALLS'
  | 'TOO_MANY_SUBSCRIPTIONS';

export abstract class CallDataError extends Error {
  abstract readonly code: ErrorCode;
  /**
   * @param message for API users
   * @param detail for operators' logs only (a network error code such as ECONNREFUSED):
   *   never part of a response, never a credential
   */
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export class BadUserInputError extends CallDataError {
  override name = 'BadUserInputError';
  readonly code = 'BAD_USER_INPUT';
}

export class UnauthenticatedError extends CallDataError {
  override name = 'UnauthenticatedError';
  readonly code = 'UNAUTHENTICATED';
}

export class ForbiddenError extends CallDataError {
  override name = 'ForbiddenError';
  readonly code = 'FORBIDDEN';
}

/**
 * A failure that says when to come back (`extensions.retryAfterMs`). `unsent` marks one the
 * upstream governor refused without sending anything (governor/upstreamGovernor.ts): a poll
 * refused so is not a failed poll (subscriptions/watchCalls.ts).
 */
export abstract class RetryLaterError extends CallDataError {
  constructor(
    message: string,
    /** ms until asking again may succeed; undefined when unknown */
    readonly retryAfterMs: number | undefined,
    readonly unsent: boolean,
    detail?: string,
  ) {
    super(message, detail);
  }
}

/** Talkstack's rate limit: answered 429 on the last try, or the call could not be sent within UPSTREAM_MAX_WAIT_MS. */
export class RateLimitedError extends RetryLaterError {
  override name = 'RateLimitedError';
  readonly code = 'RATE_LIMITED';
}

/** The tenant's circuit breaker is open: Talkstack is failing for it, so the call was not sent. */
export class UpstreamUnavailableError extends RetryLaterError {
  override name = 'UpstreamUnavailableError';
  readonly code = 'UPSTREAM_UNAVAILABLE';
}

/** The tenant already has MAX_WAITING_CALLS_PER_TENANT calls waiting: this one was not queued. */
export class TooManyRequestsError extends RetryLaterError {
  override name = 'TooManyRequestsError';
  readonly code = 'TOO_MANY_REQUESTS';
}

export class UpstreamError extends CallDataError {
  override name = 'UpstreamError';
  readonly code = 'UPSTREAM_ERROR';
}

export class UpstreamTimeoutError extends CallDataError {
  override name = 'UpstreamTimeoutError';
  readonly code = 'UPSTREAM_TIMEOUT';
}

export class UpstreamBadResponseError extends CallDataError {
  override name = 'UpstreamBadResponseError';
  readonly code = 'UPSTREAM_BAD_RESPONSE';
}

export class NotFoundError extends CallDataError {
  override name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
}

export class TooManyCallsError extends CallDataError {
  override name = 'TooManyCallsError';
  readonly code = 'TOO_MANY_CALLS';
  constructor(limit: number) {
    super(`This operation asks for more than ${limit} distinct calls (MAX_CALLS_PER_REQUEST).`);
  }
}

/** A subscription refused by one of the caps on open subscriptions (subscriptionRegistry.ts). */
export class TooManySubscriptionsError extends CallDataError {
  override name = 'TooManySubscriptionsError';
  readonly code = 'TOO_MANY_SUBSCRIPTIONS';
}

/** One call's failure in a stream of several calls (`callsUpdates`): its own code and message, and the call (`extensions.sid`). */
export class CallEventError extends CallDataError {
  override name = 'CallEventError';
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly sid: string,
    failure: CallDataError,
  ) {
    super(failure.message, failure.detail);
    this.code = failure.code;
    this.retryAfterMs = failure instanceof RetryLaterError ? failure.retryAfterMs : undefined;
  }
}

export const isCallDataError = (error: unknown): error is CallDataError => error instanceof CallDataError;

/** `error` naming the call it is about, when it is a domain error; anything else as it is (masked at the edge). */
export const aboutCall = (error: unknown, sid: string): unknown => (isCallDataError(error) ? new CallEventError(sid, error) : error);

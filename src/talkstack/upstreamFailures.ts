/**
 * The failures a call can have upstream, as domain errors (calls/callDataErrors.ts): one error
 * class and one standard text per code. The client (client.ts) makes its failures here, with
 * the standard text where a try has nothing more specific to say (an UPSTREAM_ERROR names the
 * HTTP status or says the network failed; a too large body says so); poll sharing
 * (subscriptions/pollMessages.ts), where a failure crosses Redis as its code alone, always
 * uses the standard text: nobody who can write to Redis chooses what a client reads. Never a
 * credential, a URL or an upstream body.
 */
import {
  BadUserInputError,
  type CallDataError,
  ForbiddenError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../calls/callDataErrors.js';

export const FAILURE_MESSAGES = {
  BAD_USER_INPUT: 'Talkstack rejected the request as invalid (400).',
  UNAUTHENTICATED: 'Talkstack did not accept the credential (401).',
  FORBIDDEN: 'The credential may not read this call (403).',
  RATE_LIMITED: 'Talkstack rate limit reached (429); try again later.',
  UPSTREAM_ERROR: 'Talkstack failed to answer.',
  UPSTREAM_TIMEOUT: 'Talkstack did not answer in time.',
  UPSTREAM_BAD_RESPONSE: 'Talkstack answered with something that is not a call.',
} as const;

export type UpstreamFailureCode = keyof typeof FAILURE_MESSAGES;

type MakeFailure = (message: string, detail?: string) => CallDataError;

const MAKERS: Readonly<Record<UpstreamFailureCode, MakeFailure>> = {
  BAD_USER_INPUT: (message, detail) => new BadUserInputError(message, detail),
  UNAUTHENTICATED: (message, detail) => new UnauthenticatedError(message, detail),
  FORBIDDEN: (message, detail) => new ForbiddenError(message, detail),
  // Sent and refused: when to come back is the 429's own business (rateLimited below).
  RATE_LIMITED: (message, detail) => new RateLimitedError(message, undefined, false, detail),
  UPSTREAM_ERROR: (message, detail) => new UpstreamError(message, detail),
  UPSTREAM_TIMEOUT: (message, detail) => new UpstreamTimeoutError(message, detail),
  UPSTREAM_BAD_RESPONSE: (message, detail) => new UpstreamBadResponseError(message, detail),
};

export const isUpstreamFailureCode = (code: string): code is UpstreamFailureCode => Object.hasOwn(MAKERS, code);

/** The domain error of `code`, with the standard text unless `message` says more; `detail` is for logs only. */
export function upstreamFailure(code: UpstreamFailureCode, message: string = FAILURE_MESSAGES[code], detail?: string): CallDataError {
  return MAKERS[code](message, detail);
}

/** A 429 on the call's last try: `retryAfterMs` from its `Retry-After` when it sent one. */
export const rateLimited = (retryAfterMs: number | undefined): RateLimitedError => new RateLimitedError(FAILURE_MESSAGES.RATE_LIMITED, retryAfterMs, false);

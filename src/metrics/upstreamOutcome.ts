/**
 * How one upstream try ended, in the few words metrics labels and span attributes use
 * (README "Metrics and tracing"). A closed set, and a status that is either a real HTTP
 * status (100–599) or "none": no label value can grow without bound or carry anything a
 * client sent.
 */
import type { TryOutcome } from '../talkstack/transport.js';

export const UPSTREAM_OUTCOMES = [
  'success',
  'not_found',
  'client_error',
  'rate_limited',
  'server_error',
  'network_error',
  'timeout',
  'bad_response',
  'cancelled',
] as const;

export type UpstreamOutcome = (typeof UPSTREAM_OUTCOMES)[number];

/** Indexes into UPSTREAM_OUTCOMES, for counting in plain arrays. */
export const OutcomeIndex = {
  Success: 0,
  NotFound: 1,
  ClientError: 2,
  RateLimited: 3,
  ServerError: 4,
  NetworkError: 5,
  Timeout: 6,
  BadResponse: 7,
  Cancelled: 8,
} as const;
export type OutcomeIndex = (typeof OutcomeIndex)[keyof typeof OutcomeIndex];

/**
 * @param answered whether the client took the answer as a result (a call, or null for 404):
 *   decides between success and bad_response for statuses whose body is parsed
 */
export function outcomeIndexOf(outcome: TryOutcome, answered: boolean): OutcomeIndex {
  switch (outcome.kind) {
    case 'answer': {
      const status = outcome.status;
      if (status === 404) return OutcomeIndex.NotFound;
      if (status === 429) return OutcomeIndex.RateLimited;
      if (status >= 500) return OutcomeIndex.ServerError;
      if (status === 400 || status === 401 || status === 403) return OutcomeIndex.ClientError;
      // Any other status is parsed: a body that is a call is the answer (contract), else not.
      return answered ? OutcomeIndex.Success : OutcomeIndex.BadResponse;
    }
    case 'timeout':
      return OutcomeIndex.Timeout;
    case 'network':
      return OutcomeIndex.NetworkError;
    case 'cancelled':
      return OutcomeIndex.Cancelled;
    case 'tooLarge':
    case 'oddStatus':
    case 'malformed':
      return OutcomeIndex.BadResponse;
  }
}

/** The HTTP status a try was answered with (100–599), or 0 for none (no answer, or an odd one). */
export function statusOf(outcome: TryOutcome): number {
  return outcome.kind === 'answer' ? outcome.status : 0;
}

export const outcomeName = (index: OutcomeIndex): UpstreamOutcome => UPSTREAM_OUTCOMES[index] as UpstreamOutcome;

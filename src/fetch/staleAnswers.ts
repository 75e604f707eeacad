/**
 * The stale-answers layer of the fetch pipeline (contract: "Stale if error"): when a fetch
 * fails because Talkstack is failing, slow, refusing or rationed (UPSTREAM_ERROR,
 * UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, RATE_LIMITED, TOO_MANY_REQUESTS) and the store holds
 * the call within STALE_IF_ERROR_SECONDS of its `fetchedAt`, that call is the answer instead,
 * marked stale (staleMarks.ts) with the failure's code; the response lists it in
 * `extensions.stale` (graphql/staleExtensions.ts). Unknown calls (404) and credential errors
 * (400, 401, 403) are never answered stale: they are answers, not failures to hide.
 *
 * It sits above coalescing: every waiter of one shared fetch that failed gets its own stale
 * copy. Subscriptions' polls do not pass it (fetchPipeline.ts: `pollCall`): they never take
 * stale answers.
 */
import { type ErrorCode, isCallDataError } from '../calls/callDataErrors.js';
import type { CallKey } from '../identity/keys.js';
import type { Call } from '../calls/call.js';
import type { FetchCall, FetchLayer } from './fetchCall.js';
import { staleAnswerOf } from './staleMarks.js';

const STALE_IF: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'RATE_LIMITED', 'TOO_MANY_REQUESTS']);

/** Where stale answers come from: the store (callStore.ts). */
export interface StaleSource {
  stale(key: CallKey): Call | undefined;
}

export interface StaleAnswersStats {
  /** stale answers given since start */
  readonly answered: number;
}

export class StaleAnswers {
  #answered = 0;

  constructor(private readonly source: StaleSource) {}

  get stats(): StaleAnswersStats {
    return { answered: this.#answered };
  }

  readonly layer: FetchLayer = (next: FetchCall): FetchCall => (key, scope) =>
    next(key, scope).catch((error: unknown) => {
      if (!isCallDataError(error) || !STALE_IF.has(error.code)) throw error;
      const held = this.source.stale(key);
      if (held === undefined) throw error;
      this.#answered++;
      return staleAnswerOf(held, error.code);
    });
}

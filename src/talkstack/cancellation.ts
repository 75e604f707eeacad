/**
 * "Nobody wants this any more", as the upstream path sees it: when the last operation waiting
 * for a call has gone, whatever the client is doing for it at that moment (waiting for a slot,
 * sending a try, sleeping before a retry) stops. The fetch pipeline's `FetchScope`
 * (fetch/fetchScope.ts) is what implements it; the client only needs this much.
 */

/** The work was cancelled because no one awaits its result; never shown to a user. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('upstream work cancelled: nobody awaits it any more');
  }
}
/** One instance for every rejection: no stack captured per cancelled call. */
export const CANCELLED_ERROR = new CancelledError();

export interface Cancellation {
  readonly cancelled: boolean;
  /**
   * The operation the work is for (the first one, when several share it): calls of one
   * tenant waiting for its pace are served round-robin between origins (governor/).
   */
  readonly origin?: object | undefined;
  /**
   * Runs `listener` once when cancelled (check `cancelled` first: a listener added after that
   * never runs). Returns the function that removes it.
   */
  listen(listener: () => void): () => void;
}

/**
 * "Nobody wants this any more", for upstream work: the shared fetch of a call cancels it when
 * the last operation waiting for that call has gone, and whatever the client is doing for it
 * at that moment (waiting for a slot, sending a try, sleeping before a retry) stops.
 *
 * Lighter than an AbortController on purpose: this runs once per upstream call, the client
 * does one thing at a time, so one listener slot is enough, and nothing is an EventTarget.
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

export class Cancellation {
  #cancelled = false;
  #listener: (() => void) | undefined;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Idempotent; runs the current listener once. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }

  /**
   * Runs `listener` on cancellation (at most one listener at a time: the client's current step
   * — queued for a slot, a try, a sleep — replaces the previous step's). Returns the function
   * that removes it, which does nothing once another step has taken over.
   */
  listen(listener: () => void): () => void {
    this.#listener = listener;
    return () => {
      if (this.#listener === listener) this.#listener = undefined;
    };
  }
}

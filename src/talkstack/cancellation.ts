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
   * The one listener run on cancellation, replacing any previous one; `undefined` clears it.
   * Set while a step can be interrupted, cleared when the step ends.
   */
  set onCancel(listener: (() => void) | undefined) {
    this.#listener = listener;
  }
}

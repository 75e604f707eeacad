/**
 * The lifetime of one GraphQL operation, as the upstream path needs it: the shared fetches it
 * waits for, and the moment its client goes away (request aborted, subscription closed).
 * When that happens each shared fetch it joined loses one waiter, and a fetch nobody waits
 * for any more is cancelled (see sharedFetchCall.ts): work nobody waits for is not done.
 *
 * One abort listener per operation, added at its first upstream fetch, not one per call.
 */

/** What an operation can wait for: something that must know when a waiter leaves. */
export interface Joinable {
  leave(): void;
}

export class OperationScope {
  readonly #signal: AbortSignal | undefined;
  #ended = false;
  #listening = false;
  #joined = new Set<Joinable>();

  /** @param signal aborted when the client goes away; without one the scope never ends */
  constructor(signal?: AbortSignal) {
    this.#signal = signal;
  }

  get ended(): boolean {
    return this.#ended || this.#signal?.aborted === true;
  }

  /** True when `shared` is already awaited by this operation. */
  has(shared: Joinable): boolean {
    return this.#joined.has(shared);
  }

  /** This operation waits for `shared` until `drop` (it settled) or until the operation ends. */
  join(shared: Joinable): void {
    if (!this.#listening && this.#signal) {
      this.#listening = true;
      this.#signal.addEventListener('abort', this.#end, { once: true });
    }
    this.#joined.add(shared);
  }

  /** `shared` settled: nothing to leave any more. */
  drop(shared: Joinable): void {
    this.#joined.delete(shared);
  }

  #end = (): void => {
    if (this.#ended) return;
    this.#ended = true;
    const joined = this.#joined;
    this.#joined = new Set();
    for (const shared of joined) shared.leave();
  };
}

/**
 * Who waits for a fetch, and the moment nobody does any more (contract: "Work nobody waits for
 * is not done"). One type on both sides of coalescing:
 * - an operation's scope (`new FetchScope(signal)`): it ends when its client goes away (the
 *   request aborted, the subscription closed); every shared fetch it joined loses a waiter then;
 * - a shared fetch's own scope (`new FetchScope()`, ended by `cancel()`): it ends when the last
 *   operation waiting for the fetch has gone, and the upstream path stops what it is doing for
 *   it (the client sees it as its `Cancellation`).
 *
 * Listeners are kept in a Set made at the first `listen`, and an operation's scope adds its one
 * abort listener to the signal then: one per operation, not one per call.
 */
import type { Cancellation } from '../talkstack/cancellation.js';

export class FetchScope implements Cancellation {
  readonly #signal: AbortSignal | undefined;
  #cancelled = false;
  #listeners: Set<() => void> | undefined;
  /** a shared fetch's scope: the first operation that waited for it (Cancellation.origin) */
  origin: object | undefined;

  /** @param signal aborted when the waiter goes away; without one, only `cancel()` ends the scope */
  constructor(signal?: AbortSignal) {
    this.#signal = signal;
  }

  get cancelled(): boolean {
    return this.#cancelled || this.#signal?.aborted === true;
  }

  /** Ends the scope (idempotent): every listener runs once. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  /** The signal's abort: this object is its listener (no closure per scope). */
  handleEvent(): void {
    this.cancel();
  }

  listen(listener: () => void): () => void {
    // Ended: it would never run, and keeping it would only hold it in memory.
    if (this.#cancelled) return noop;
    let listeners = this.#listeners;
    if (listeners === undefined) {
      listeners = this.#listeners = new Set();
      this.#signal?.addEventListener('abort', this, { once: true });
    }
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  /** True while `listener` is listening (a shared fetch joins each scope once). */
  has(listener: () => void): boolean {
    return this.#listeners?.has(listener) === true;
  }

  /** Removes `listener` (the shared fetch it stands for has settled). */
  unlisten(listener: () => void): void {
    this.#listeners?.delete(listener);
  }
}

const noop = (): void => {};

/** A scope that never ends and keeps no listener: for callers that always wait (tests, internal use). */
class Unending extends FetchScope {
  override get cancelled(): boolean {
    return false;
  }
  override listen(): () => void {
    return noop;
  }
  override has(): boolean {
    return false;
  }
}

export const UNENDING_SCOPE: FetchScope = new Unending();

/**
 * Coalescing of concurrent upstream fetches (contract: "Concurrent operations with the same
 * credential share one in-flight upstream request for the same call").
 *
 * Contract:
 * - while a fetch of a call key is in flight, every other lookup of the same key waits for that
 *   fetch instead of starting one; its answer is at most one round trip old, and it is
 *   forgotten once it settles (this is not a cache: the next lookup after it fetches again);
 * - each scope waiting for it is counted once; when the last one has ended (its client gone),
 *   the fetch's own scope is cancelled, so the layers below stop wherever they are (queued for a
 *   slot, in flight, sleeping before a retry) and the fetch rejects with `CancelledError`, which
 *   only scopes that have ended can see;
 * - a scope that never ends (UNENDING_SCOPE) is a waiter that never leaves.
 *
 * Below the caches (a cached call never joins a fetch), above the upstream path.
 */
import type { Call } from '../calls/call.js';
import type { CallKey } from '../identity/keys.js';
import { CANCELLED_ERROR } from '../talkstack/cancellation.js';
import type { FetchCall, FetchLayer } from './fetchCall.js';
import { FetchScope, UNENDING_SCOPE } from './fetchScope.js';

export interface CoalescingStats {
  /** fetches in flight right now */
  readonly inFlight: number;
  /** scopes waiting for them, summed over the fetches */
  readonly waiters: number;
}

class SharedFetch {
  /** what the layers below watch: cancelled when no waiter is left */
  readonly scope = new FetchScope();
  readonly #joined: FetchScope[] = [];
  #waiters = 0;
  #pinned = false;
  #settled = false;
  promise!: Promise<Call | null>;

  /** @param tally the waiters of every shared fetch of one `Coalescing` */
  constructor(private readonly tally: { waiters: number }) {}

  join(scope: FetchScope): void {
    // A scope that never ends is a waiter that never leaves: nothing to count or listen to.
    if (scope === UNENDING_SCOPE) {
      this.#pinned = true;
      return;
    }
    if (scope.has(this.leave)) return;
    this.#waiters++;
    this.tally.waiters++;
    this.#joined.push(scope);
    scope.listen(this.leave);
  }

  /** A waiting scope ended. */
  readonly leave = (): void => {
    if (this.#settled) return;
    this.tally.waiters--;
    if (--this.#waiters === 0 && !this.#pinned) this.scope.cancel();
  };

  settle(): void {
    this.#settled = true;
    this.tally.waiters -= this.#waiters;
    for (const scope of this.#joined) scope.unlisten(this.leave);
  }
}

export class Coalescing {
  readonly #inFlight = new Map<string, SharedFetch>();
  readonly #tally = { waiters: 0 };

  get stats(): CoalescingStats {
    return { inFlight: this.#inFlight.size, waiters: this.#tally.waiters };
  }

  readonly layer: FetchLayer = (next: FetchCall): FetchCall => {
    const start = (key: CallKey, first: FetchScope): SharedFetch => {
      const shared = new SharedFetch(this.#tally);
      // The operation that asked first: known before the layers below see the scope (the
      // governor and the slots serve a tenant's operations in turn by it).
      if (first !== UNENDING_SCOPE) shared.scope.origin = first;
      this.#inFlight.set(key.id, shared);
      const settled = () => {
        if (this.#inFlight.get(key.id) === shared) this.#inFlight.delete(key.id);
        shared.settle();
      };
      shared.promise = next(key, shared.scope).then(
        (call) => {
          settled();
          return call;
        },
        (error: unknown) => {
          settled();
          throw error;
        },
      );
      return shared;
    };

    return (key, scope) => {
      if (scope.cancelled) return Promise.reject(CANCELLED_ERROR);
      let shared = this.#inFlight.get(key.id);
      // A fetch being cancelled cannot be joined: its answer will never come.
      if (!shared || shared.scope.cancelled) shared = start(key, scope);
      shared.join(scope);
      return shared.promise;
    };
  };
}

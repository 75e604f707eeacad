/**
 * Coalescing of concurrent upstream fetches (contract: "Concurrent operations with the same
 * credential share one in-flight upstream request for the same call").
 *
 * Contract:
 * - while a fetch of (credential, projectId, sid) is in flight, every other operation asking
 *   for the same call with the same credential waits for that fetch instead of starting one;
 *   its answer is at most one round trip old, and it is forgotten once it settles (this is
 *   not a cache: the next ask after it settles fetches again);
 * - each operation waiting for it is counted; when the last one's client has gone (its
 *   `OperationScope` ended), the fetch is cancelled wherever it is (queued for a slot, in
 *   flight, sleeping before a retry) and rejects with `CancelledError`, which only operations
 *   that have gone can see;
 * - a caller without a scope (internal use) counts as a waiter that never leaves.
 *
 * Sits at the `fetchCall` seam below the per-operation loader; a cache of final calls goes in
 * front of it, so a cached call never joins a fetch.
 */
import { Cancellation, CANCELLED_ERROR } from '../talkstack/cancellation.js';
import type { Credential } from '../talkstack/credentials.js';
import type { Call, CallAddress } from './call.js';
import type { FetchCall } from './callLoader.js';
import type { Joinable, OperationScope } from './operationScope.js';

/** One upstream fetch of a call, stopped by `cancellation`. */
export type UpstreamFetchCall = (address: CallAddress, credential: Credential, cancellation: Cancellation) => Promise<Call | null>;

/** Operations waiting on shared fetches, process-wide per `shareFetchCall`. */
interface Tally {
  waiters: number;
}

class SharedFetch implements Joinable {
  readonly cancellation = new Cancellation();
  readonly scopes: OperationScope[] = [];
  waiters = 0;
  /** a caller without a scope: the fetch is never cancelled */
  pinned = false;
  settled = false;
  promise!: Promise<Call | null>;

  constructor(private readonly tally: Tally) {}

  join(scope: OperationScope): void {
    this.waiters++;
    this.tally.waiters++;
    this.scopes.push(scope);
    scope.join(this);
  }

  leave(): void {
    if (this.settled) return;
    this.tally.waiters--;
    if (--this.waiters === 0 && !this.pinned) this.cancellation.cancel();
  }

  settle(): void {
    this.settled = true;
    this.tally.waiters -= this.waiters;
    for (const scope of this.scopes) scope.drop(this);
  }
}

export interface SharedFetchCall extends FetchCall {
  /** fetches in flight right now (for metrics and tests) */
  readonly inFlight: number;
  /** operations waiting for them, summed over the fetches (for metrics and tests) */
  readonly waiters: number;
}

export function shareFetchCall(fetchUpstream: UpstreamFetchCall): SharedFetchCall {
  const inFlight = new Map<string, SharedFetch>();
  const tally: Tally = { waiters: 0 };

  const start = (key: string, address: CallAddress, credential: Credential): SharedFetch => {
    const shared = new SharedFetch(tally);
    inFlight.set(key, shared);
    const settled = () => {
      if (inFlight.get(key) === shared) inFlight.delete(key);
      shared.settle();
    };
    shared.promise = fetchUpstream(address, credential, shared.cancellation).then(
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

  const fetchCall = (address: CallAddress, credential: Credential, scope?: OperationScope): Promise<Call | null> => {
    if (scope?.ended) return Promise.reject(CANCELLED_ERROR);
    const key = `${credential.id}\u0000${address.projectId}\u0000${address.sid}`;
    let shared = inFlight.get(key);
    // A fetch being cancelled cannot be joined: its answer will never come.
    if (!shared || shared.cancellation.cancelled) shared = start(key, address, credential);
    if (!scope) {
      shared.pinned = true;
    } else if (!scope.has(shared)) {
      shared.join(scope);
    }
    return shared.promise;
  };

  return Object.defineProperties(fetchCall, {
    inFlight: { get: () => inFlight.size },
    waiters: { get: () => tally.waiters },
  }) as SharedFetchCall;
}

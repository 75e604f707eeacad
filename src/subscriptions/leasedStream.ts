/**
 * A subscription's event stream bound to its registry lease: the lease is released exactly
 * once, however the stream ends (completion, error, the client leaving, `return()` from the
 * transport, `completeAll`), and an ended lease ends the stream at once as a completion.
 *
 * A wrapper object rather than an async generator: a generator's `return()` waits while it
 * is paused in an `await` (a poll in flight), and a generator never started does not run its
 * `finally` at all, so neither the client leaving nor `completeAll` could end it promptly.
 */
import type { CallKey } from '../identity/keys.js';
import type { SubscriptionLease, SubscriptionRegistry, SubscriptionTransport } from './subscriptionRegistry.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

const ignore = () => {};

/**
 * `source` under `lease`. `clientSignal` (aborted when the client goes away) releases the
 * lease even if the transport never asks for an event. Meant for one consumer that awaits
 * each `next()` before the next, as graphql-js and Yoga do.
 */
export function leasedStream<T>(source: AsyncIterator<T>, lease: SubscriptionLease, clientSignal?: AbortSignal): AsyncIterableIterator<T> {
  let finished = false;
  // resolves the `next()` in progress; set while one is
  let settle: ((result: IteratorResult<T>) => void) | undefined;

  const finish = (early: boolean): void => {
    if (finished) return;
    finished = true;
    clientSignal?.removeEventListener('abort', endEarly);
    lease.signal.removeEventListener('abort', endEarly);
    lease.release();
    if (!early) return;
    const pending = settle;
    settle = undefined;
    pending?.(DONE);
    // Not awaited: a source paused in an await finishes it later; its lease signal (aborted
    // above) is what makes it stop polling.
    source.return?.().catch(ignore);
  };
  const endEarly = (): void => finish(true);

  const stream: AsyncIterableIterator<T> = {
    next() {
      if (finished) return Promise.resolve(DONE);
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        settle = resolve;
        source.next().then(
          (result) => {
            // Ended early meanwhile: this result has no reader any more.
            if (settle !== resolve) return;
            settle = undefined;
            if (result.done) finish(false);
            resolve(result);
          },
          (error: unknown) => {
            if (settle !== resolve) return;
            settle = undefined;
            finish(false);
            reject(error);
          },
        );
      });
    },
    return() {
      finish(true);
      return Promise.resolve(DONE);
    },
    throw(error: unknown) {
      finish(true);
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };

  if (clientSignal?.aborted || lease.signal.aborted) finish(true);
  else {
    clientSignal?.addEventListener('abort', endEarly, { once: true });
    lease.signal.addEventListener('abort', endEarly, { once: true });
  }
  return stream;
}

/** Who opens a subscription, for which calls, and how its events travel. */
export interface LeaseRequest {
  /** every tenant it counts against (`Credential.tenantIds`) */
  tenantIds: readonly string[];
  /** the calls watched, each with the credential it is polled with */
  calls: readonly CallKey[];
  transport: SubscriptionTransport;
}

/**
 * Opens a subscription as `request` says: takes a lease, then starts the stream with the
 * lease's signal. Throws the TooManySubscriptionsError of a refusal, before `start` runs, so
 * a refused subscription costs no upstream request.
 */
export function openLeasedStream<T>(
  registry: SubscriptionRegistry,
  { tenantIds, calls, transport }: LeaseRequest,
  clientSignal: AbortSignal | undefined,
  start: (signal: AbortSignal) => AsyncIterator<T>,
): AsyncIterableIterator<T> {
  const lease = registry.acquire(tenantIds, calls, transport);
  let source: AsyncIterator<T>;
  try {
    source = start(lease.signal);
  } catch (error) {
    lease.release();
    throw error;
  }
  return leasedStream(source, lease, clientSignal);
}

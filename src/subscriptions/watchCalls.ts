/**
 * One subscription's view of the calls it watches, fed by the shared pollers
 * (subscriptions/callPollers.ts): the rules of `callUpdates` and `callsUpdates` for each call.
 *
 * Per call: its first known state at once (a running poller's latest, else the first poll's),
 * then again whenever any field changes; the call ends once it is final. An unknown call
 * ends with one NotFoundError event; a failed poll is retried at the next interval and three
 * failures in a row end the call with one event carrying the last one's error. A poll refused
 * for the credential (401, 403) before the call was ever seen ends it at once: a credential Talkstack has never
 * accepted would otherwise hold a subscription slot for three intervals, so made-up keys could
 * fill the server's MAX_SUBSCRIPTIONS without sending a single event.
 *
 * A reader slower than the calls change gets each call's latest state, not every state in
 * between: a call's unread event is replaced by its newer one. So what waits for a reader is
 * at most one event per call (references to calls the pollers hold anyway), however long it
 * stalls: an SSE client that stops reading, whose stream Yoga writes only as the socket drains,
 * costs no more memory the longer it waits.
 *
 * The stream completes once every call has ended, after `maxSeconds` from its own start, or
 * when `signal` aborts (the lease ended: client gone, completeAll). Error events are values,
 * not thrown: the resolver turns each into that event's coded error and the stream goes on.
 */
import type { Call, CallAddress } from '../calls/call.js';
import { isCallDataError, NotFoundError } from '../calls/callDataErrors.js';
import { type CallKey } from '../identity/keys.js';
import type { CallPollers, PollOutcome } from './callPollers.js';

/** A call's new state, or the error that ended the watch of one call. */
export type WatchEvent = { readonly call: Call } | { readonly address: CallAddress; readonly error: unknown };

export interface WatchCallsOptions {
  pollers: Pick<CallPollers, 'subscribe'>;
  /** the calls, each with the credential it is polled with (duplicates are watched once) */
  keys: readonly CallKey[];
  maxSeconds: number;
  signal: AbortSignal;
}

/** A queued event; its call replaces the event with a newer state until it is read. */
interface Slot {
  event: WatchEvent;
  read: boolean;
}

const FAILURES_THAT_END_A_WATCH = 3;
const NOT_FOUND_MESSAGE = 'Talkstack does not know this call.';
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

const isCredentialRefusal = (error: unknown) => isCallDataError(error) && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN');

export const isWatchError = (event: WatchEvent): event is { readonly address: CallAddress; readonly error: unknown } => 'error' in event;

/** Watches the calls of `keys`; meant for one consumer that awaits each `next()` before the next. */
export function watchCalls({ pollers, keys, maxSeconds, signal }: WatchCallsOptions): AsyncIterableIterator<WatchEvent> {
  /** unread events, each in a slot its call may still update */
  const queue: Slot[] = [];
  let settle: ((result: IteratorResult<WatchEvent>) => void) | undefined;
  let finished = false;
  const unsubscribes = new Set<() => void>();

  /** Hands `event` to the reader, or queues it; returns its slot when queued. */
  const push = (event: WatchEvent): Slot | undefined => {
    if (finished) return undefined;
    const pending = settle;
    if (pending) {
      settle = undefined;
      pending({ done: false, value: event });
      return undefined;
    }
    const slot: Slot = { event, read: false };
    queue.push(slot);
    return slot;
  };

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(deadline);
    signal.removeEventListener('abort', finish);
    for (const unsubscribe of unsubscribes) unsubscribe();
    unsubscribes.clear();
    // Events already queued are still read; an idle reader is told at once.
    if (queue.length === 0) {
      const pending = settle;
      settle = undefined;
      pending?.(DONE);
    }
  };

  const watchOne = (key: CallKey): void => {
    const address = key.address;
    let lastSeen: string | undefined;
    /** this call's latest state, queued and not read yet */
    let unread: Slot | undefined;
    let failures = 0;
    let ended = false;
    let unsubscribe: (() => void) | undefined;
    const end = (event?: WatchEvent) => {
      if (ended) return;
      ended = true;
      if (event) push(event);
      if (unsubscribe) {
        unsubscribes.delete(unsubscribe);
        unsubscribe();
      }
      if (unsubscribes.size === 0) finish();
    };
    const onOutcome = (outcome: PollOutcome): void => {
      if (ended || finished) return;
      if (outcome.kind === 'call') {
        failures = 0;
        if (outcome.snapshot !== lastSeen) {
          lastSeen = outcome.snapshot;
          if (unread && !unread.read) unread.event = { call: outcome.call };
          else unread = push({ call: outcome.call });
        }
        if (outcome.call.isFinal) end();
      } else if (outcome.kind === 'not-found') {
        end({ address, error: new NotFoundError(NOT_FOUND_MESSAGE) });
      } else {
        failures++;
        if (failures >= FAILURES_THAT_END_A_WATCH || (lastSeen === undefined && isCredentialRefusal(outcome.error))) {
          end({ address, error: outcome.error });
        }
      }
    };
    // The listener may run at once (a running poller's latest call) and end this watch before
    // `subscribe` returns: take it off then.
    const off = pollers.subscribe(key, onOutcome);
    if (ended) {
      off();
      return;
    }
    unsubscribe = off;
    unsubscribes.add(off);
  };

  const deadline = setTimeout(finish, maxSeconds * 1000);
  deadline.unref();

  const stream: AsyncIterableIterator<WatchEvent> = {
    next() {
      const slot = queue.shift();
      if (slot) {
        slot.read = true;
        return Promise.resolve({ done: false, value: slot.event });
      }
      if (finished) return Promise.resolve(DONE);
      return new Promise((resolve) => {
        settle = resolve;
      });
    },
    return() {
      queue.length = 0;
      finish();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };

  if (signal.aborted) {
    finish();
    return stream;
  }
  signal.addEventListener('abort', finish, { once: true });
  const distinct = new Map<string, CallKey>();
  for (const key of keys) distinct.set(key.id, key);
  // A placeholder while watching starts: a call that ends at once (a running poller's final
  // call) must not finish the stream before the others are watched.
  const starting = () => {};
  unsubscribes.add(starting);
  for (const key of distinct.values()) {
    if (finished) break;
    watchOne(key);
  }
  unsubscribes.delete(starting);
  if (unsubscribes.size === 0) finish();
  return stream;
}

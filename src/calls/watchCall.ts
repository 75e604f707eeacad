/**
 * Watching one call by polling: yields the call at once and again whenever any field changes,
 * ends once it is final, after `maxSeconds`, or when `signal` aborts (the client left).
 * An unknown call ends with NotFoundError; a failed poll is retried at the next interval and
 * three failures in a row end the watch with the last one's error. A first poll refused for
 * the credential (401, 403) ends it at once: a credential Talkstack has never accepted would
 * otherwise hold a subscription slot for three intervals, so made-up keys could fill the
 * server's MAX_SUBSCRIPTIONS without sending a single event.
 *
 * This is the plain form: one poller per subscriber. Shared pollers will sit behind the same
 * signature.
 */
import { isCallDataError, NotFoundError } from '../errors.js';
import type { Call } from './call.js';

export interface WatchCallOptions {
  /** fetches the call afresh (not from the operation's loader cache) */
  poll: () => Promise<Call | null>;
  intervalMs: number;
  maxSeconds: number;
  signal: AbortSignal;
}

const FAILURES_THAT_END_A_WATCH = 3;

const isCredentialRefusal = (error: unknown) => isCallDataError(error) && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN');

export async function* watchCall({ poll, intervalMs, maxSeconds, signal }: WatchCallOptions): AsyncGenerator<Call> {
  const deadline = Date.now() + maxSeconds * 1000;
  let lastSeen: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    // undefined: this poll failed and is retried at the next interval
    let call: Call | null | undefined;
    try {
      call = await poll();
      failures = 0;
    } catch (error) {
      failures++;
      if (failures >= FAILURES_THAT_END_A_WATCH) throw error;
      if (lastSeen === undefined && isCredentialRefusal(error)) throw error;
      call = undefined;
    }
    if (call === null) throw new NotFoundError('Talkstack does not know this call.');
    if (call !== undefined) {
      const snapshot = JSON.stringify(call);
      if (snapshot !== lastSeen) {
        lastSeen = snapshot;
        yield call;
      }
      if (call.isFinal) return;
    }
    if (Date.now() >= deadline) return;
    await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  // An 'abort' listener added to an aborted signal never runs: do not wait out the interval.
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

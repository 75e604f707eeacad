/**
 * One tenant's circuit breaker on one instance (contract: "Circuit breaker per tenant, per
 * instance"). Pure state on a given clock; the governor refuses, probes and wakes waiters.
 *
 * - Failures: 5xx, network failures, timeouts, answers that are not HTTP. Anything else that
 *   came back (2xx, 404, other 4xx) is a success; a 429 is neither (pacing deals with it).
 * - Opens when, among the tries finished in the last 10 s, there are at least 20, at least
 *   half of them failed, and the failures span at least 3 distinct calls: one call that always
 *   fails cannot open it for everyone else's.
 * - While open, one real try at a time goes through as a probe, at most once a second; any
 *   success closes it (the probe's, or a try that was already in flight).
 *
 * Why not cockatiel's or opossum's breaker: both count per call of a wrapped function with
 * no notion of distinct calls, and neither lets a probe be one of the waiting calls rather
 * than a call of its own; the rule above is a few counters.
 */

import { SlidingCount } from './slidingCount.js';

export const WINDOW_MS = 10_000;
export const MIN_TRIES = 20;
export const MIN_DISTINCT_CALLS = 3;
export const PROBE_EVERY_MS = 1000;
/** failures remembered: the oldest go first when a tenant has more than this in 10 s */
const MAX_REMEMBERED = 2048;

interface Failure {
  readonly at: number;
  /** the failed call's id (its address) */
  readonly call: string;
}

export type Admission = 'pass' | 'probe' | 'refuse';

export class CircuitBreaker {
  #open = false;
  #probing = false;
  #nextProbeAt = 0;
  /** when a probe could go before the one now taken: restored if that one is never sent */
  #probeTakenFrom = 0;
  /** successes in the window: counted, not kept (the path every good try takes) */
  readonly #successes = new SlidingCount(WINDOW_MS);
  /** failures in the window, oldest first (kept: they must span distinct calls) */
  readonly #failed: Failure[] = [];
  #head = 0;
  /** failed call id → failures of it in the window */
  readonly #failedCalls = new Map<string, number>();

  get open(): boolean {
    return this.#open;
  }

  /** nothing to remember: closed, and no failure in the window */
  get plain(): boolean {
    return !this.#open && this.#failed.length === this.#head;
  }

  /** ms until a probe may go (0 when closed) */
  retryAfterMs(now: number): number {
    return this.#open ? Math.max(0, this.#nextProbeAt - now) : 0;
  }

  /**
   * May a try go now? `probe` hands the one probe slot to the caller, who must later report
   * it with `finished` or give it back with `probeDropped`.
   */
  admit(now: number): Admission {
    if (!this.#open) return 'pass';
    if (this.#probing || now < this.#nextProbeAt) return 'refuse';
    this.#probing = true;
    this.#probeTakenFrom = this.#nextProbeAt;
    this.#nextProbeAt = now + PROBE_EVERY_MS;
    return 'probe';
  }

  /**
   * The probe slot given back. `unsent`: the probe never went out (it waited, or its caller
   * left first), so the next one may go when this one could have; else a second from it.
   */
  probeDropped(unsent = false): void {
    if (!this.#probing) return;
    this.#probing = false;
    if (unsent) this.#nextProbeAt = this.#probeTakenFrom;
  }

  /**
   * A try finished at `now`: `failedCall` is its call's id when it failed, undefined when it
   * succeeded. Returns 'opened' or 'closed' when this changed the state.
   */
  finished(now: number, failedCall: string | undefined, wasProbe: boolean): 'opened' | 'closed' | undefined {
    if (wasProbe) this.#probing = false;
    if (this.#open) {
      if (failedCall !== undefined) return undefined;
      this.#close();
      return 'closed';
    }
    if (failedCall === undefined) {
      this.#successes.add(now);
      return undefined;
    }
    this.#remember(now, failedCall);
    const failures = this.#failed.length - this.#head;
    const tries = failures + this.#successes.total(now);
    if (tries >= MIN_TRIES && failures * 2 >= tries && this.#failedCalls.size >= MIN_DISTINCT_CALLS) {
      this.#open = true;
      this.#nextProbeAt = now + PROBE_EVERY_MS;
      return 'opened';
    }
    return undefined;
  }

  #close(): void {
    this.#open = false;
    this.#probing = false;
    this.#successes.clear();
    this.#failed.length = 0;
    this.#head = 0;
    this.#failedCalls.clear();
  }

  #remember(now: number, call: string): void {
    const failed = this.#failed;
    while (this.#head < failed.length && ((failed[this.#head] as Failure).at <= now - WINDOW_MS || failed.length - this.#head >= MAX_REMEMBERED)) {
      this.#forget(failed[this.#head++] as Failure);
    }
    if (this.#head > 256 && this.#head * 2 > failed.length) {
      failed.splice(0, this.#head);
      this.#head = 0;
    }
    failed.push({ at: now, call });
    this.#failedCalls.set(call, (this.#failedCalls.get(call) ?? 0) + 1);
  }

  #forget({ call }: Failure): void {
    const left = (this.#failedCalls.get(call) ?? 1) - 1;
    if (left === 0) this.#failedCalls.delete(call);
    else this.#failedCalls.set(call, left);
  }
}

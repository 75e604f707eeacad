/**
 * Shared pollers (contract: "Subscribers of the same call and credential share one poller,
 * which stops when the last one leaves"): one poller per (credential, projectId, sid) however
 * many subscriptions watch the call (`callUpdates` and `callsUpdates` alike).
 *
 * Contract:
 * - a poller polls through the fetch pipeline (fetch/fetchPipeline.ts: the caches included), on
 *   its own `FetchScope`, never through an operation's loader: polls are not an operation's calls
 *   and do not count toward its MAX_CALLS_PER_REQUEST;
 * - it polls at once, then every `intervalMs` on a fixed schedule (a poll still in flight at a
 *   tick makes that tick skip it: polls of one call never overlap);
 * - every outcome (the call, not found, a failure) goes to every subscriber; what a subscriber
 *   makes of it (emit on change, end on final, count failures) is its own business
 *   (watchCalls.ts). A subscriber joining a poller that already has the call gets it at
 *   once, with no upstream request;
 * - the last subscriber leaving stops the poller at once: its timer is cleared and its
 *   in-flight poll cancelled (the shared fetch loses this waiter, see fetch/coalescing.ts);
 * - with a `PollSharing` (Redis), the poller polls upstream only while its share says this
 *   instance should (it holds the call's lease, or Redis is unreachable), publishes what it
 *   polled, and otherwise delivers what the instance polling it published.
 *
 * - a poll the upstream governor refused unsent is no outcome: nothing is delivered or shared;
 * - a listener that throws is logged (its error's name and the outcome's kind, no payload)
 *   and skipped: the others still get the outcome, and nothing reaches the timer or the
 *   Redis 'message' handler that delivered it.
 *
 * `stats` is read when metrics are scraped.
 */
import type { Call } from '../calls/call.js';
import { RetryLaterError } from '../calls/callDataErrors.js';
import type { FetchCall } from '../fetch/fetchCall.js';
import { FetchScope } from '../fetch/fetchScope.js';
import type { CallKey } from '../identity/keys.js';
import type { Logger } from '../logging/logger.js';

/** What one poll of a call gave. `snapshot` is the call's JSON: how subscribers tell a change. */
export type PollOutcome =
  | { readonly kind: 'call'; readonly call: Call; readonly snapshot: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'failed'; readonly error: unknown };

export type PollListener = (outcome: PollOutcome) => void;

export interface PollerStats {
  /** pollers this instance is polling upstream for right now */
  readonly active: number;
  /** pollers of this instance, those fed by another instance included */
  readonly pollers: number;
  /** subscribers of all pollers (a `callsUpdates` counts once per distinct call) */
  readonly subscribers: number;
}

/** One poller's place in the cluster (see redisPollSharing.ts). */
export interface PollShare {
  /** true while this instance polls upstream for the call (it holds the lease, or Redis is unreachable) */
  readonly polling: boolean;
  /** called at every tick of the poller: renew or try the lease */
  tick(): void;
  /** an outcome this instance polled upstream: share it with the others */
  publish(outcome: PollOutcome): void;
  /** the last local subscriber left: let go (resolves once the lease is given back, bounded) */
  close(): Promise<void>;
}

export interface PollShareHooks {
  /** an outcome another instance polled: just now (published), or some time ago (the stored latest call) */
  deliver(outcome: PollOutcome, polledNow: boolean): void;
  /** this instance now polls upstream (or may): poll if one is due */
  wake(): void;
}

/** Coordination of pollers across instances. */
export interface PollSharing {
  /** how often pollers tick (the lease is renewed or tried at each tick); polls stay `intervalMs` apart */
  tickMs(intervalMs: number): number;
  join(key: CallKey, intervalMs: number, hooks: PollShareHooks): PollShare;
}

export interface CallPollersOptions {
  fetchCall: FetchCall;
  intervalMs: number;
  /** cluster-wide sharing (Redis); without it every poller polls upstream */
  sharing?: PollSharing;
  /** where a listener's failure goes (its name only, never the outcome); silent without */
  logger?: Logger;
}

/** Polls are due a little early rather than a tick late: timers fire a few ms off. */
const DUE_FRACTION = 0.75;

/** What tells a change: every field but `fetchedAt` (a new poll of the same state is no update). */
export function callSnapshotOf(call: Call): string {
  const { fetchedAt: _fetchedAt, ...state } = call;
  return JSON.stringify(state);
}

export class CallPollers {
  readonly #fetchCall: FetchCall;
  readonly #intervalMs: number;
  readonly #sharing: PollSharing | undefined;
  readonly #logger: Logger | undefined;
  readonly #pollers = new Map<string, CallPoller>();
  readonly #closing = new Set<Promise<void>>();
  #subscribers = 0;

  constructor({ fetchCall, intervalMs, sharing, logger }: CallPollersOptions) {
    this.#logger = logger;
    this.#fetchCall = fetchCall;
    this.#intervalMs = intervalMs;
    this.#sharing = sharing;
  }

  get stats(): PollerStats {
    let active = 0;
    for (const poller of this.#pollers.values()) if (poller.polling) active++;
    return { active, pollers: this.#pollers.size, subscribers: this.#subscribers };
  }

  /**
   * `listener` gets every outcome of the poller of `key` from now on, and the latest call at
   * once when the poller has one. Returns the function that takes it off; the last one off
   * stops the poller.
   */
  subscribe(key: CallKey, listener: PollListener): () => void {
    let poller = this.#pollers.get(key.id);
    const isNew = !poller;
    if (!poller) {
      poller = new CallPoller(key, this.#fetchCall, this.#intervalMs, this.#logger);
      this.#pollers.set(key.id, poller);
    }
    const current = poller;
    current.listeners.add(listener);
    this.#subscribers++;
    if (isNew) current.start(this.#sharing);
    else if (current.latest) current.tell(listener, current.latest);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#subscribers--;
      current.listeners.delete(listener);
      if (current.listeners.size > 0) return;
      if (this.#pollers.get(key.id) === current) this.#pollers.delete(key.id);
      const closing = current.stop();
      this.#closing.add(closing);
      void closing.finally(() => this.#closing.delete(closing));
    };
  }

  /** Stops every poller and waits (bounded by Redis' command timeout) for their leases to be given back. */
  async close(): Promise<void> {
    for (const poller of this.#pollers.values()) {
      poller.listeners.clear();
      this.#closing.add(poller.stop());
    }
    this.#pollers.clear();
    this.#subscribers = 0;
    await Promise.allSettled([...this.#closing]);
  }
}

class CallPoller {
  readonly listeners = new Set<PollListener>();
  /** the last call polled or received: what a joining subscriber gets at once */
  latest: Extract<PollOutcome, { kind: 'call' }> | undefined;
  readonly #scope = new FetchScope();
  #share: PollShare | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = false;
  #lastPollAt = Number.NEGATIVE_INFINITY;
  #stopped = false;

  constructor(
    readonly key: CallKey,
    readonly fetchCall: FetchCall,
    readonly intervalMs: number,
    readonly logger: Logger | undefined,
  ) {}

  get polling(): boolean {
    return !this.#stopped && (this.#share ? this.#share.polling : true);
  }

  start(sharing: PollSharing | undefined): void {
    const tickMs = sharing ? sharing.tickMs(this.intervalMs) : this.intervalMs;
    this.#timer = setInterval(this.#tick, tickMs);
    this.#timer.unref();
    if (sharing) {
      this.#share = sharing.join(this.key, this.intervalMs, { deliver: this.#deliverShared, wake: this.#pollIfDue });
    }
    this.#pollIfDue();
  }

  stop(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#scope.cancel();
    return this.#share?.close() ?? Promise.resolve();
  }

  #tick = (): void => {
    if (this.#stopped) return;
    this.#share?.tick();
    this.#pollIfDue();
  };

  #pollIfDue = (): void => {
    if (this.#stopped || this.#inFlight || !this.polling) return;
    if (performance.now() - this.#lastPollAt < this.intervalMs * DUE_FRACTION) return;
    void this.#poll();
  };

  async #poll(): Promise<void> {
    this.#inFlight = true;
    this.#lastPollAt = performance.now();
    let outcome: PollOutcome;
    try {
      const call = await this.fetchCall(this.key, this.#scope);
      outcome = call ? { kind: 'call', call, snapshot: callSnapshotOf(call) } : { kind: 'not-found' };
    } catch (error) {
      outcome = { kind: 'failed', error };
    } finally {
      this.#inFlight = false;
    }
    // Stopped meanwhile: nobody reads it (and a cancelled fetch is no outcome).
    if (this.#stopped) return;
    // Refused unsent by the governor (breaker open, wait budget, queue full): nothing was
    // learned about the call, so subscribers see nothing and count no failure; the next
    // interval tries again (contract: subscriptions wait through refused polls).
    if (outcome.kind === 'failed' && outcome.error instanceof RetryLaterError && outcome.error.unsent) return;
    this.#share?.publish(outcome);
    this.#deliver(outcome);
  }

  #deliverShared = (outcome: PollOutcome, polledNow: boolean): void => {
    if (this.#stopped) return;
    // Another instance's poll counts as this one's for the schedule: taking over, this one
    // polls an interval after the last poll, not at once.
    if (polledNow) this.#lastPollAt = performance.now();
    this.#deliver(outcome);
  };

  #deliver(outcome: PollOutcome): void {
    if (outcome.kind === 'call') this.latest = outcome;
    // A copy: listeners take themselves off as they end.
    for (const listener of [...this.listeners]) this.tell(listener, outcome);
  }

  /**
   * One listener's failure is its own: the others still get the outcome, and nothing reaches
   * the caller (a timer, or ioredis' 'message' emitter, where it would stop the process).
   */
  tell(listener: PollListener, outcome: PollOutcome): void {
    try {
      listener(outcome);
    } catch (error) {
      this.logger?.warn({ errorName: error instanceof Error ? error.name : typeof error, outcome: outcome.kind }, 'a call poller subscriber failed on an outcome; it was skipped');
    }
  }
}

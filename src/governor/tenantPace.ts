/**
 * How fast one tenant may send to Talkstack, learned as it goes (contract: "Pacing per
 * tenant"). Pure state and arithmetic on a given clock: the governor does the waiting.
 *
 * - Unknown at first: nothing but UPSTREAM_CONCURRENCY bounds the tenant (`rate` undefined),
 *   unless UPSTREAM_RATE_LIMIT sets a rate (and a ceiling) from the start.
 * - A 429 pauses the whole tenant until its `Retry-After` (1 s when it sent none, at most 5 s)
 *   and sets the rate: to what the headers announce when they do, else a little under what
 *   Talkstack accepted in the second before it refused (the only evidence when all it sends
 *   is `Retry-After`). A 429 while already paced means the pace was too fast: 10 % slower.
 * - Raised again while no 429 comes and calls wait for it: 5 % a second up to 95 % of the
 *   limit learned; the learned limit itself is probed 5 % higher after 30 s without a 429,
 *   up to the ceiling (UPSTREAM_RATE_LIMIT or the announced quota) when one is known.
 * - Sends are spaced evenly (GCRA's virtual scheduling without burst tolerance): a pace just
 *   under the limit never runs into it in bursts, and a late send earns no credit.
 * - `remaining: 0` in the headers pauses the tenant until the announced reset, before any 429.
 */

import { SlidingCount } from './slidingCount.js';

export const MAX_PAUSE_MS = 5000;
const DEFAULT_PAUSE_MS = 1000;
const LEARN_WINDOW_MS = 1000;
const AFTER_429 = 0.9;
const SLOWER_ON_429 = 0.9;
const HEADROOM = 0.95;
const RAISE_EVERY_MS = 1000;
const RAISE_BY = 1.05;
const PROBE_AFTER_MS = 30_000;
const MIN_RATE = 0.2;

export class TenantPace {
  /** requests per second paced to; undefined while unknown */
  #rate: number | undefined;
  /** the most the tenant may be paced to: UPSTREAM_RATE_LIMIT or an announced quota */
  #ceiling: number | undefined;
  /** the limit learned from 429s (what Talkstack accepted), when no ceiling is known */
  #learned: number | undefined;
  /** GCRA's theoretical arrival time of the next send (ms) */
  #tat = 0;
  pausedUntil = 0;
  #last429At = -Infinity;
  #lastRaiseAt = 0;
  /** accepted tries by send time, over the last LEARN_WINDOW_MS */
  readonly #accepted = new SlidingCount(LEARN_WINDOW_MS);

  readonly #configured: number | undefined;

  constructor(configuredRate: number | undefined) {
    this.#configured = configuredRate;
    this.#rate = configuredRate;
    this.#ceiling = configuredRate;
  }

  get rate(): number | undefined {
    return this.#rate;
  }

  /** true while the tenant is held back by a pace or a pause (metrics: paced tenants) */
  paced(now: number): boolean {
    return this.#rate !== undefined || this.pausedUntil > now;
  }

  /** true when it has learned or been told nothing that needs remembering (the governor may forget it) */
  get plain(): boolean {
    return this.#learned === undefined && this.#rate === this.#configured && this.#ceiling === this.#configured;
  }

  /** The earliest time (ms) the tenant may send. */
  readyAt(now: number): number {
    return Math.max(now, this.#rate === undefined ? now : this.#tat, this.pausedUntil);
  }

  /** One send at `now` (allowed by `readyAt`); `backlogged` when calls were waiting for it. */
  take(now: number, backlogged: boolean): void {
    if (this.#rate === undefined) return;
    this.#tat = Math.max(this.#tat, now) + 1000 / this.#rate;
    if (backlogged && now - this.#lastRaiseAt >= RAISE_EVERY_MS) this.#raise(now);
  }

  /** Expected ms before `ahead` more sends have gone, from `now` (the wait-budget prediction). */
  predictWaitMs(now: number, ahead: number): number {
    const ready = this.readyAt(now) - now;
    return this.#rate === undefined ? ready : ready + (ahead * 1000) / this.#rate;
  }

  /** A try sent at `sentAt` was accepted (anything but a 429). */
  accepted(sentAt: number): void {
    this.#accepted.add(sentAt);
  }

  /**
   * Talkstack answered 429 at `now`; `retryAfterMs` from its header when sent. True when this
   * taught a new rate (worth telling the other instances: sharedPace.ts).
   */
  limited(now: number, retryAfterMs: number | undefined): boolean {
    this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(retryAfterMs ?? DEFAULT_PAUSE_MS, MAX_PAUSE_MS));
    // Several tries in flight are refused together: one lesson per pause.
    if (now - this.#last429At < LEARN_WINDOW_MS && this.#rate !== undefined) return false;
    this.#last429At = now;
    this.#lastRaiseAt = now;
    if (this.#rate === undefined) {
      const acceptedLastSecond = Math.max(1, this.#accepted.total(now));
      this.#learned = Math.min(acceptedLastSecond, this.#ceiling ?? Infinity);
      this.#rate = Math.max(MIN_RATE, this.#learned * AFTER_429);
    } else {
      this.#learned = Math.min(this.#learned ?? Infinity, this.#rate);
      this.#rate = Math.max(MIN_RATE, this.#rate * SLOWER_ON_429);
    }
    return true;
  }

  /** What another instance learned (sharedPace.ts: already clamped): the slower rate wins, the later pause. */
  adopt(now: number, rate: number, pauseMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
    const capped = Math.min(rate, this.#ceiling ?? Infinity);
    this.#rate = this.#rate === undefined ? capped : Math.min(this.#rate, capped);
    this.#learned = Math.min(this.#learned ?? Infinity, this.#rate / AFTER_429);
    this.#last429At = now;
    this.#lastRaiseAt = now;
  }

  /** What an answer's headers announce (governor/rateLimitHeaders.ts). */
  announced(now: number, perSecond: number | undefined, remaining: number | undefined, resetMs: number | undefined): void {
    if (perSecond !== undefined) {
      this.#ceiling = this.#ceiling === undefined ? perSecond : Math.min(this.#ceiling, perSecond);
      this.#rate = Math.min(this.#rate ?? perSecond * HEADROOM, this.#ceiling);
    }
    if (remaining === 0 && resetMs !== undefined && resetMs > 0) {
      this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(resetMs, MAX_PAUSE_MS));
    }
  }

  #raise(now: number): void {
    this.#lastRaiseAt = now;
    const rate = this.#rate as number;
    const limit = this.#learned ?? this.#ceiling;
    if (limit === undefined) return;
    const cap = this.#learned === undefined ? limit : limit * HEADROOM;
    if (rate < cap) {
      this.#rate = Math.min(cap, rate * RAISE_BY);
    } else if (this.#learned !== undefined && now - this.#last429At >= PROBE_AFTER_MS && (this.#ceiling === undefined || this.#learned < this.#ceiling)) {
      this.#learned = Math.min(this.#learned * RAISE_BY, this.#ceiling ?? Infinity);
    }
  }

}

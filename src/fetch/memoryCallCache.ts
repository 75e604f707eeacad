/**
 * The first layer of the fetch pipeline: settled final calls held in memory, per instance
 * (contract: "Caching and live updates"; which calls and how long: cachePolicy.ts).
 *
 * Contract:
 * - a hit is answered without asking the layers below: one Map lookup, a clock read and a
 *   promise made when the entry was stored (no upstream path, no scheduler slot, no log line,
 *   no allocation);
 * - on a miss, the layers below answer, and what they answer is kept when the policy says so,
 *   once per call object (every waiter of one shared fetch gets the same object);
 * - entries are keyed by the call key (the credential's digest with the address), so a request
 *   never sees data fetched with another credential;
 * - the Redis tier below hands its hits to `hold` with the Redis entry's own expiry, so this
 *   copy never outlives it, and asks `fresh` after a Redis miss (a concurrent lookup may have
 *   fetched the call meanwhile);
 * - bounded: at most `maxEntries`, least recently used dropped first; every entry carries its
 *   expiry, read against `now` on every hit, so an expired entry is never answered.
 *
 * Cached calls are shared between operations: nothing downstream may change them (only
 * `@apollo/subgraph` adds `__typename`, the same value every time, after any Redis copy was
 * written).
 */
import { LRUCache } from 'lru-cache';
import type { Call } from '../calls/call.js';
import type { CallKey } from '../identity/keys.js';
import { cacheTtlSecondsOf } from './cachePolicy.js';
import type { FetchCall, FetchLayer } from './fetchCall.js';

export const DEFAULT_MAX_CACHED_CALLS = 50_000;

export interface MemoryCallCacheOptions {
  /** CACHE_TTL_SECONDS (> 0: with 0 the pipeline has no cache layers) */
  ttlSeconds: number;
  maxEntries?: number;
  /** the clock expiries are read with, ms since epoch (default `Date.now`) */
  now?: () => number;
}

export interface MemoryCacheStats {
  readonly hit: number;
  readonly miss: number;
  /** calls held right now */
  readonly size: number;
}

/** What the Redis tier asks of the memory in front of it. */
export interface HeldCalls {
  /** keeps `call` until `expiresAt` (ms since epoch), unless this very object is held already */
  hold(key: CallKey, call: Call, expiresAt: number): void;
  /** the call held for `key` and not expired, if any */
  fresh(key: CallKey): Call | undefined;
}

interface Held {
  readonly call: Call;
  /** made once when stored: a hit hands it out as is */
  readonly answer: Promise<Call>;
  /** ms since epoch */
  readonly expiresAt: number;
}

export class MemoryCallCache implements HeldCalls {
  readonly #ttlSeconds: number;
  readonly #now: () => number;
  readonly #memory: LRUCache<string, Held>;
  #hit = 0;
  #miss = 0;

  constructor({ ttlSeconds, maxEntries = DEFAULT_MAX_CACHED_CALLS, now = Date.now }: MemoryCallCacheOptions) {
    this.#ttlSeconds = ttlSeconds;
    this.#now = now;
    this.#memory = new LRUCache<string, Held>({ max: maxEntries });
  }

  get stats(): MemoryCacheStats {
    return { hit: this.#hit, miss: this.#miss, size: this.#memory.size };
  }

  readonly layer: FetchLayer = (next: FetchCall): FetchCall => {
    const keep = (key: CallKey) => (call: Call | null) => {
      if (call === null || this.#memory.peek(key.id)?.call === call) return call;
      const ttl = cacheTtlSecondsOf(call, this.#ttlSeconds);
      if (ttl > 0) this.#set(key, call, this.#now() + ttl * 1000);
      return call;
    };
    return (key, scope) => {
      const held = this.#memory.get(key.id);
      if (held !== undefined && held.expiresAt > this.#now()) {
        this.#hit++;
        return held.answer;
      }
      this.#miss++;
      return next(key, scope).then(keep(key));
    };
  };

  hold(key: CallKey, call: Call, expiresAt: number): void {
    if (this.#memory.peek(key.id)?.call !== call) this.#set(key, call, expiresAt);
  }

  fresh(key: CallKey): Call | undefined {
    const held = this.#memory.get(key.id);
    return held !== undefined && held.expiresAt > this.#now() ? held.call : undefined;
  }

  /**
   * When the entry of `key` expires (ms since epoch, the `now` clock), or undefined when none
   * is held: how long an answer made only of cached calls may be reused.
   */
  expiresAt(key: CallKey): number | undefined {
    const held = this.#memory.peek(key.id);
    return held !== undefined && held.expiresAt > this.#now() ? held.expiresAt : undefined;
  }

  /**
   * `expiresAt`, but only while the entry held is `call` itself (the fast path for settled
   * answers asks this about what an answer was made of: a live version of a call answered
   * just before its final version was cached must not be kept as settled).
   */
  settledUntil(key: CallKey, call: Call): number | undefined {
    const held = this.#memory.peek(key.id);
    return held !== undefined && held.call === call && held.expiresAt > this.#now() ? held.expiresAt : undefined;
  }

  #set(key: CallKey, call: Call, expiresAt: number): void {
    this.#memory.set(key.id, { call, answer: Promise.resolve(call), expiresAt });
  }
}

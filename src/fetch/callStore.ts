/**
 * The first layer of the fetch pipeline: the one store of calls in memory, per instance
 * (contract: "One store of calls, bounded in bytes"; which calls answer fresh and how long:
 * cachePolicy.ts).
 *
 * Contract:
 * - every call the layers below answer is held, once per call key (the credential's digest
 *   with the address, so a request never sees data fetched with another credential), until it
 *   is neither fresh nor stale any more;
 * - fresh (answered without asking the layers below) while the caching rules allow: settled
 *   final calls, CACHE_TTL_SECONDS (0: never); a hit is one Map lookup, a clock read and a
 *   promise made when the entry was stored (no upstream path, no slot, no log line);
 * - stale until `fetchedAt + STALE_IF_ERROR_SECONDS`: what `stale()` gives the stale-answers
 *   layer (staleAnswers.ts) when a fetch fails; never answered fresh;
 * - bounded in bytes: every entry is weighed (`callWeightOf`: about what it takes on the
 *   heap), and all of them together stay within CACHE_MAX_BYTES, least recently used dropped
 *   first; no entry count;
 * - the Redis tier below hands its hits to `hold` with the Redis entry's own expiry, so this
 *   copy never outlives it, and asks `fresh` after a Redis miss (a concurrent lookup may have
 *   fetched the call meanwhile);
 * - a stale answer (staleAnswers.ts: a copy marked stale) coming back up is never held: the
 *   entry it was made from stays as it is.
 *
 * Held calls are shared between operations: nothing downstream may change them (only
 * `@apollo/subgraph` adds `__typename`, the same value every time, after any Redis copy was
 * written).
 */
import { LRUCache } from 'lru-cache';
import type { Call } from '../calls/call.js';
import type { CallKey } from '../identity/keys.js';
import { cacheTtlSecondsOf } from './cachePolicy.js';
import type { FetchCall, FetchLayer } from './fetchCall.js';
import { isStaleAnswer } from './staleMarks.js';

export interface CallStoreOptions {
  /** CACHE_TTL_SECONDS: how long a settled final call answers fresh (0: never) */
  ttlSeconds: number;
  /** STALE_IF_ERROR_SECONDS: how long after `fetchedAt` a call may answer stale (0: never) */
  staleSeconds: number;
  /** CACHE_MAX_BYTES */
  maxBytes: number;
  /** the clock expiries are read with, ms since epoch (default `Date.now`) */
  now?: () => number;
}

export interface CallStoreStats {
  readonly hit: number;
  readonly miss: number;
  /** calls held right now */
  readonly size: number;
  /** their weight (callWeightOf), within CACHE_MAX_BYTES */
  readonly bytes: number;
}

/** What the Redis tier asks of the memory in front of it. */
export interface HeldCalls {
  /** keeps `call` fresh until `freshUntil` (ms since epoch), unless this very object is held already */
  hold(key: CallKey, call: Call, freshUntil: number): void;
  /** the call held fresh for `key`, if any */
  fresh(key: CallKey): Call | undefined;
}

interface Held {
  readonly call: Call;
  /** made once when stored: a hit hands it out as is */
  readonly answer: Promise<Call>;
  /** ms since epoch; 0: never fresh */
  readonly freshUntil: number;
  /** ms since epoch; 0: never stale */
  readonly staleUntil: number;
}

/** Bytes a held entry costs besides the call's strings and data: objects, the key, the LRU's slots. */
const ENTRY_OVERHEAD = 1200;
const RECORDING_OVERHEAD = 160;

/**
 * About what `call` and its entry take on the heap, in bytes (V8 strings: up to 2 bytes a
 * character; `data` weighed by its JSON, a fair stand-in for arbitrary JSON). Measured by
 * test/integration/fetch/callStore.test.ts: a full store grows the heap by at most 1.25 ×
 * CACHE_MAX_BYTES.
 */
export function callWeightOf(call: Call): number {
  let weight = weights.get(call);
  if (weight === undefined) weights.set(call, (weight = weighed(call)));
  return weight;
}

/** Weighed once per call object: the store and the response budget (graphql/responseSize.ts) both ask. */
const weights = new WeakMap<Call, number>();

function weighed(call: Call): number {
  let chars = call.sid.length + call.projectId.length + call.upstreamStatus.length;
  for (const recording of call.recordings) chars += recording.url.length + (recording.sid?.length ?? 0) + RECORDING_OVERHEAD / 2;
  let dataChars = 0;
  for (const _ in call.data) {
    dataChars = JSON.stringify(call.data).length;
    break;
  }
  return ENTRY_OVERHEAD + 2 * (chars + dataChars);
}

export class CallStore implements HeldCalls {
  readonly #ttlSeconds: number;
  readonly #staleMs: number;
  readonly #now: () => number;
  readonly #memory: LRUCache<string, Held>;
  #hit = 0;
  #miss = 0;

  constructor({ ttlSeconds, staleSeconds, maxBytes, now = Date.now }: CallStoreOptions) {
    this.#ttlSeconds = ttlSeconds;
    this.#staleMs = staleSeconds * 1000;
    this.#now = now;
    this.#memory = new LRUCache<string, Held>({ maxSize: maxBytes, sizeCalculation: (held) => callWeightOf(held.call) });
  }

  get stats(): CallStoreStats {
    return { hit: this.#hit, miss: this.#miss, size: this.#memory.size, bytes: this.#memory.calculatedSize };
  }

  readonly layer: FetchLayer = (next: FetchCall): FetchCall => {
    const keep = (key: CallKey) => (call: Call | null) => {
      if (call === null || isStaleAnswer(call) || this.#memory.peek(key.id)?.call === call) return call;
      const ttl = cacheTtlSecondsOf(call, this.#ttlSeconds);
      this.#set(key, call, ttl > 0 ? this.#now() + ttl * 1000 : 0);
      return call;
    };
    return (key, scope) => {
      const held = this.#memory.get(key.id);
      if (held !== undefined && held.freshUntil > this.#now()) {
        this.#hit++;
        return held.answer;
      }
      this.#miss++;
      return next(key, scope).then(keep(key));
    };
  };

  hold(key: CallKey, call: Call, freshUntil: number): void {
    const held = this.#memory.peek(key.id);
    if (held?.call === call) return;
    // A copy from Redis that can only answer stale never replaces a newer one held here.
    if (freshUntil === 0 && held !== undefined && held.call.fetchedAt >= call.fetchedAt) return;
    this.#set(key, call, freshUntil);
  }

  fresh(key: CallKey): Call | undefined {
    const held = this.#memory.get(key.id);
    return held !== undefined && held.freshUntil > this.#now() ? held.call : undefined;
  }

  /** The call held for `key` while it may answer stale (fresh or not), if any. */
  stale(key: CallKey): Call | undefined {
    const held = this.#memory.get(key.id);
    return held !== undefined && held.staleUntil > this.#now() ? held.call : undefined;
  }

  /**
   * When the entry of `key` stops answering fresh (ms since epoch, the `now` clock), or
   * undefined when none is fresh: how long an answer made only of held calls may be reused.
   */
  expiresAt(key: CallKey): number | undefined {
    const held = this.#memory.peek(key.id);
    return held !== undefined && held.freshUntil > this.#now() ? held.freshUntil : undefined;
  }

  /**
   * `expiresAt`, but only while the entry held is `call` itself (the fast path for settled
   * answers asks this about what an answer was made of: a live version of a call answered
   * just before its final version was held must not be kept as settled, nor a stale copy).
   */
  settledUntil(key: CallKey, call: Call): number | undefined {
    const held = this.#memory.peek(key.id);
    return held !== undefined && held.call === call && held.freshUntil > this.#now() ? held.freshUntil : undefined;
  }

  #set(key: CallKey, call: Call, freshUntil: number): void {
    const fetchedAt = Date.parse(call.fetchedAt);
    const staleUntil = this.#staleMs > 0 && Number.isFinite(fetchedAt) ? fetchedAt + this.#staleMs : 0;
    const until = Math.max(freshUntil, staleUntil);
    if (until <= this.#now()) {
      // Nothing to answer with it any more: an older copy must not stay either.
      this.#memory.delete(key.id);
      return;
    }
    // No TTL of the LRU's own (a timer read per entry): expiries are checked on every read, and
    // an expired entry is dropped by the byte bound like any other it never reads again.
    this.#memory.set(key.id, { call, answer: Promise.resolve(call), freshUntil, staleUntil });
  }
}

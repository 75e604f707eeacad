/**
 * The cache of settled final calls, at the `fetchCall` seam (contract: "Caching and live
 * updates").
 *
 * Contract:
 * - only calls whose status is final and that look settled are kept: a `COMPLETED` call needs
 *   its `durationSeconds` and `cost`, and one without recordings yet (they may still come) is
 *   kept for at most 60 s; others for `CACHE_TTL_SECONDS`;
 * - unfinished calls, unknown calls (null) and failures are never kept: those always go
 *   upstream (through the shared in-flight fetches behind this);
 * - entries are keyed by the credential's digest, so a request never sees data fetched with
 *   another credential;
 * - bounded: at most `maxEntries`, least recently used dropped first;
 * - `CACHE_TTL_SECONDS=0` turns it off (the fetcher is returned unchanged).
 *
 * A hit is answered without a promise of the upstream path, a scheduler slot or a log line.
 * Cached calls are shared between operations: nothing downstream may change them (only
 * `@apollo/subgraph` adds `__typename`, the same value every time).
 */
import { LRUCache } from 'lru-cache';
import type { Credential } from '../talkstack/credentials.js';
import type { Call, CallAddress } from './call.js';
import type { FetchCall } from './callLoader.js';
import type { OperationScope } from './operationScope.js';

/** A COMPLETED call's recordings may still be on their way: look again after at most this. */
export const UNRECORDED_COMPLETED_TTL_SECONDS = 60;
export const DEFAULT_MAX_CACHED_CALLS = 50_000;

/** How long `call` may be served from the cache, in seconds; 0: not at all. */
export function cacheTtlSecondsOf(call: Call, ttlSeconds: number): number {
  if (!call.isFinal || ttlSeconds <= 0) return 0;
  if (call.status !== 'COMPLETED') return ttlSeconds;
  if (call.durationSeconds === null || call.cost === null) return 0;
  return call.recordings.length === 0 ? Math.min(ttlSeconds, UNRECORDED_COMPLETED_TTL_SECONDS) : ttlSeconds;
}

export interface FinalCallCacheOptions {
  ttlSeconds: number;
  maxEntries?: number;
  /** for tests: the clock lru-cache reads TTLs with */
  now?: () => number;
}

export interface CachedFetchCall extends FetchCall {
  /** calls held right now (for metrics and tests) */
  readonly cachedCalls: number;
}

export function cacheFinalCalls(fetchCall: FetchCall, { ttlSeconds, maxEntries = DEFAULT_MAX_CACHED_CALLS, now }: FinalCallCacheOptions): CachedFetchCall {
  if (ttlSeconds <= 0) return Object.defineProperty(fetchCall, 'cachedCalls', { get: () => 0 }) as CachedFetchCall;
  const cache = new LRUCache<string, Call>({
    max: maxEntries,
    ttl: ttlSeconds * 1000,
    // A stale entry is never answered; lru-cache checks its age on every get.
    ttlAutopurge: false,
    ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
  });
  const keep = (key: string) => (call: Call | null) => {
    if (call) {
      const ttl = cacheTtlSecondsOf(call, ttlSeconds);
      if (ttl > 0) cache.set(key, call, { ttl: ttl * 1000 });
    }
    return call;
  };
  const cached = (address: CallAddress, credential: Credential, scope?: OperationScope): Promise<Call | null> => {
    const key = `${credential.id}\u0000${address.projectId}\u0000${address.sid}`;
    const hit = cache.get(key);
    if (hit) return Promise.resolve(hit);
    return fetchCall(address, credential, scope).then(keep(key));
  };
  return Object.defineProperty(cached, 'cachedCalls', { get: () => cache.size }) as CachedFetchCall;
}

/**
 * The cache of settled final calls, at the `fetchCall` seam (contract: "Caching and live
 * updates"): in memory per instance, and with `REDIS_URL` a Redis tier shared by every
 * instance behind it (redis/redisCallCache.ts).
 *
 * Contract:
 * - only calls whose status is final and that look settled are kept: a `COMPLETED` call needs
 *   its `durationSeconds` and `cost`, and one without recordings yet (they may still come) is
 *   kept for at most 60 s; others for `CACHE_TTL_SECONDS`;
 * - unfinished calls, unknown calls (null) and failures are never kept: those always go
 *   upstream (through the shared in-flight fetches behind this);
 * - entries are keyed by the credential's digest (in Redis by its keyed fingerprint), so a
 *   request never sees data fetched with another credential;
 * - memory first; on a memory miss the Redis tier, whose hit is kept in memory until the Redis
 *   entry's own expiry; on a miss there, or any Redis failure (bounded by the connection's
 *   command timeout), upstream: a Redis problem never fails a lookup;
 * - a call fetched upstream and settled is written to both tiers with its TTL; the Redis write
 *   is not awaited by anyone;
 * - concurrent lookups of one missing call still make one upstream fetch: Redis reads of a key
 *   are shared, and memory is checked again after a Redis miss (the shared fetches behind
 *   coalesce the rest);
 * - bounded: at most `maxEntries` in memory, least recently used dropped first (Redis entries
 *   expire by their TTL);
 * - `CACHE_TTL_SECONDS=0` turns both tiers off (the fetcher is returned unchanged).
 *
 * A memory hit is one Map lookup, a clock read and a promise made when the entry was stored:
 * no upstream path, no scheduler slot, no log line, no allocation. Cached calls are shared
 * between operations: nothing downstream may change them (only `@apollo/subgraph` adds
 * `__typename`, the same value every time, after the Redis copy was written).
 */
import { LRUCache } from 'lru-cache';
import { RedisCallTier, type RedisTierStats, type SharedCall } from '../redis/redisCallCache.js';
import type { RedisConnection } from '../redis/redisConnection.js';
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
  /** with REDIS_URL: the shared tier behind memory */
  redis?: RedisConnection;
  /** with `redis`: the largest value read back (a real call is a little over its upstream body) */
  maxRedisValueBytes?: number;
  /** for tests: the clock expiries are read with, ms since epoch (default `Date.now`) */
  now?: () => number;
}

/** Lookups answered by each tier, plain numbers read at scrape time. */
export interface FinalCallCacheStats {
  readonly memory: { hit: number; miss: number };
  /** all zero without Redis; see RedisTierStats */
  readonly redis: Readonly<RedisTierStats>;
}

export interface CachedFetchCall extends FetchCall {
  /** calls held in memory right now (for metrics and tests) */
  readonly cachedCalls: number;
  readonly stats: FinalCallCacheStats;
  /**
   * When the memory entry of this call expires (ms since epoch, the `now` clock), or undefined
   * when none is held: how long an answer made only of cached calls may be reused.
   */
  expiresAt(address: CallAddress, credential: Credential): number | undefined;
  /**
   * `expiresAt`, but only while the entry held is `call` itself (the fast path for settled
   * answers asks this about what an answer was made of: a live version of a call answered
   * just before its final version was cached must not be kept as settled).
   */
  settledUntil(address: CallAddress, credential: Credential, call: Call): number | undefined;
}

interface Held {
  readonly call: Call;
  /** made once when stored: a hit hands it out as is */
  readonly answer: Promise<Call>;
  /** ms since epoch */
  readonly expiresAt: number;
}

const memoryKeyOf = (address: CallAddress, credential: Credential): string => `${credential.id}\u0000${address.projectId}\u0000${address.sid}`;

function uncached(fetchCall: FetchCall): CachedFetchCall {
  const stats: FinalCallCacheStats = { memory: { hit: 0, miss: 0 }, redis: { hit: 0, miss: 0, error: 0, writeError: 0 } };
  return Object.defineProperties(fetchCall, {
    cachedCalls: { get: () => 0, configurable: true },
    stats: { value: stats, configurable: true },
    expiresAt: { value: () => undefined, configurable: true },
    settledUntil: { value: () => undefined, configurable: true },
  }) as CachedFetchCall;
}

export function cacheFinalCalls(fetchCall: FetchCall, { ttlSeconds, maxEntries = DEFAULT_MAX_CACHED_CALLS, redis, maxRedisValueBytes, now = Date.now }: FinalCallCacheOptions): CachedFetchCall {
  if (ttlSeconds <= 0) return uncached(fetchCall);
  // No TTL in lru-cache itself: each entry carries its expiry, read against `now` on every hit,
  // so a stale entry is never answered and `expiresAt` is exact.
  const memory = new LRUCache<string, Held>({ max: maxEntries });
  const shared = redis
    ? new RedisCallTier(redis, { now, ttlMsOf: (call) => cacheTtlSecondsOf(call, ttlSeconds) * 1000, ...(maxRedisValueBytes ? { maxValueBytes: maxRedisValueBytes } : {}) })
    : undefined;
  const stats: FinalCallCacheStats = {
    memory: { hit: 0, miss: 0 },
    redis: shared?.stats ?? { hit: 0, miss: 0, error: 0, writeError: 0 },
  };

  const fresh = (key: string): Held | undefined => {
    const held = memory.get(key);
    return held !== undefined && held.expiresAt > now() ? held : undefined;
  };

  const hold = (key: string, call: Call, expiresAt: number): void => {
    memory.set(key, { call, answer: Promise.resolve(call), expiresAt });
  };

  const keepFetched = (key: string, address: CallAddress, credential: Credential) => (call: Call | null) => {
    if (call === null) return call;
    // Every waiter of one shared fetch gets the same object: store (and write to Redis) once.
    if (memory.peek(key)?.call === call) return call;
    const ttl = cacheTtlSecondsOf(call, ttlSeconds);
    if (ttl > 0) {
      const expiresAt = now() + ttl * 1000;
      hold(key, call, expiresAt);
      shared?.write(address, credential, call, expiresAt);
    }
    return call;
  };

  const fetchUpstream = (key: string, address: CallAddress, credential: Credential, scope: OperationScope | undefined) =>
    fetchCall(address, credential, scope).then(keepFetched(key, address, credential));

  const fromRedis = (tier: RedisCallTier, key: string, address: CallAddress, credential: Credential, scope: OperationScope | undefined) =>
    tier.read(address, credential).then((entry: SharedCall | undefined) => {
      if (entry !== undefined) {
        const held = memory.peek(key);
        // Readers of one shared GET get the same entry: hold it once.
        if (held?.call !== entry.call) hold(key, entry.call, entry.expiresAt);
        return entry.call;
      }
      // Another lookup may have fetched it upstream meanwhile.
      return fresh(key)?.call ?? fetchUpstream(key, address, credential, scope);
    });

  const cached = (address: CallAddress, credential: Credential, scope?: OperationScope): Promise<Call | null> => {
    const key = memoryKeyOf(address, credential);
    const held = memory.get(key);
    if (held !== undefined && held.expiresAt > now()) {
      stats.memory.hit++;
      return held.answer;
    }
    stats.memory.miss++;
    return shared === undefined ? fetchUpstream(key, address, credential, scope) : fromRedis(shared, key, address, credential, scope);
  };

  return Object.defineProperties(cached, {
    cachedCalls: { get: () => memory.size },
    stats: { value: stats },
    expiresAt: {
      value: (address: CallAddress, credential: Credential): number | undefined => {
        const held = memory.peek(memoryKeyOf(address, credential));
        return held !== undefined && held.expiresAt > now() ? held.expiresAt : undefined;
      },
    },
    settledUntil: {
      value: (address: CallAddress, credential: Credential, call: Call): number | undefined => {
        const held = memory.peek(memoryKeyOf(address, credential));
        return held !== undefined && held.call === call && held.expiresAt > now() ? held.expiresAt : undefined;
      },
    },
  }) as CachedFetchCall;
}

/**
 * The fetch pipeline, composed in one place (architecture: docs/architecture.md). Every lookup
 * of a call, by an operation's loader or by a subscription's poller, passes these layers in
 * this order, each one file that owns its state:
 *
 *   memoryCallCache   settled final calls in memory (CACHE_TTL_SECONDS; 0: no cache layers)
 *   redisCallTier     the same, shared by every instance through Redis (REDIS_URL)
 *   coalescing        one upstream fetch per call key in flight, cancelled when nobody waits
 *   upstreamLogging   upstream failures worth an operator's attention, one line per fetch
 *   upstreamFetch     the Talkstack client (fair slots, retries) and the mapping
 *
 * The next layers slot in here: stale answers above coalescing, the governor below it.
 */
import type { Call } from '../calls/call.js';
import type { CallKey } from '../identity/keys.js';
import type { RedisConnection } from '../redis/redisConnection.js';
import type { TalkstackClient } from '../talkstack/client.js';
import { Coalescing, type CoalescingStats } from './coalescing.js';
import { composeFetch, type FetchCall, type FetchLayer } from './fetchCall.js';
import { MemoryCallCache, type MemoryCacheStats } from './memoryCallCache.js';
import { RedisCallTier, type RedisTierStats } from './redisCallTier.js';
import { upstreamFetch } from './upstreamFetch.js';
import { upstreamLogging, type UpstreamLoggingOptions } from './upstreamLogging.js';

export interface FetchPipelineOptions {
  /** CACHE_TTL_SECONDS; 0 leaves both cache layers out */
  cacheTtlSeconds: number;
  /** with REDIS_URL: the Redis tier behind memory */
  redis?: RedisConnection | undefined;
  /** with `redis`: the largest value read back or written (callShape.ts: sharedCallBytesLimit) */
  maxRedisValueBytes: number;
  client: TalkstackClient;
  logging: UpstreamLoggingOptions;
  /** the clock of the caches' expiries (tests), ms since epoch */
  now?: () => number;
}

/** What each layer counts, read when metrics are scraped (and by tests). */
export interface FetchPipelineStats {
  /** zeros without the layer */
  readonly memory: MemoryCacheStats;
  /** zeros without the layer */
  readonly redis: RedisTierStats;
  readonly coalescing: CoalescingStats;
}

export interface FetchPipeline {
  /** the first layer: what loaders and pollers ask */
  readonly fetchCall: FetchCall;
  stats(): FetchPipelineStats;
  /** the memory layer's entry of `key` expires then (ms since epoch); undefined when none is held */
  expiresAt(key: CallKey): number | undefined;
  /** `expiresAt`, but only while the entry held is `call` itself (http/settledAnswers.ts) */
  settledUntil(key: CallKey, call: Call): number | undefined;
}

const NO_MEMORY: MemoryCacheStats = Object.freeze({ hit: 0, miss: 0, size: 0 });
const NO_REDIS: RedisTierStats = Object.freeze({ hit: 0, miss: 0, error: 0, writeError: 0 });

export function createFetchPipeline({ cacheTtlSeconds, redis, maxRedisValueBytes, client, logging, now }: FetchPipelineOptions): FetchPipeline {
  const memory = cacheTtlSeconds > 0 ? new MemoryCallCache({ ttlSeconds: cacheTtlSeconds, ...(now ? { now } : {}) }) : undefined;
  const redisTier =
    memory && redis ? new RedisCallTier(redis, { ttlSeconds: cacheTtlSeconds, memory, maxValueBytes: maxRedisValueBytes, ...(now ? { now } : {}) }) : undefined;
  const coalescing = new Coalescing();

  const layers: FetchLayer[] = [];
  if (memory) layers.push(memory.layer);
  if (redisTier) layers.push(redisTier.layer);
  layers.push(coalescing.layer, upstreamLogging(logging));

  return {
    fetchCall: composeFetch(layers, upstreamFetch(client)),
    stats: () => ({
      memory: memory?.stats ?? NO_MEMORY,
      redis: redisTier ? { ...redisTier.stats } : NO_REDIS,
      coalescing: coalescing.stats,
    }),
    expiresAt: (key) => memory?.expiresAt(key),
    settledUntil: (key, call) => memory?.settledUntil(key, call),
  };
}

/**
 * The fetch pipeline, composed in one place (architecture: docs/architecture.md). Every lookup
 * of a call, by an operation's loader or by a subscription's poller, passes these layers in
 * this order, each one file that owns its state:
 *
 *   callStore         the one store of calls in memory: fresh answers (CACHE_TTL_SECONDS), and
 *                     what stale answers are made of (STALE_IF_ERROR_SECONDS), within CACHE_MAX_BYTES
 *   redisCallTier     the store's Redis half (REDIS_URL): fresh and stale answers shared by every
 *                     instance, values MAC'd under REDIS_KEY_SECRET
 *   staleAnswers      a held call instead of an upstream failure, marked stale (queries only)
 *   coalescing        one upstream fetch per call key in flight, cancelled when nobody waits
 *   upstreamLogging   upstream failures worth an operator's attention, one line per fetch
 *   upstreamFetch     the Talkstack client and the mapping; around each of the client's tries,
 *                     the governor (governor/upstreamGovernor.ts: pacing, breaker, wait budget),
 *                     then a fair slot (talkstack/scheduler.ts)
 *
 * Subscriptions poll through `pollCall`: the same layers (and their state) without stale answers.
 */
import type { Call } from '../calls/call.js';
import type { CallKey } from '../identity/keys.js';
import type { RedisConnection } from '../redis/redisConnection.js';
import type { TalkstackClient } from '../talkstack/client.js';
import { Coalescing, type CoalescingStats } from './coalescing.js';
import { composeFetch, type FetchCall, type FetchLayer } from './fetchCall.js';
import { CallStore, type CallStoreStats } from './callStore.js';
import { RedisCallTier, type RedisTierStats } from './redisCallTier.js';
import { StaleAnswers, type StaleAnswersStats } from './staleAnswers.js';
import { upstreamFetch } from './upstreamFetch.js';
import { upstreamLogging, type UpstreamLoggingOptions } from './upstreamLogging.js';

export interface FetchPipelineOptions {
  /** CACHE_TTL_SECONDS; 0: no fresh answers (and no Redis tier) */
  cacheTtlSeconds: number;
  /** STALE_IF_ERROR_SECONDS; 0: no stale answers (with both 0, no store at all) */
  staleIfErrorSeconds: number;
  /** CACHE_MAX_BYTES */
  cacheMaxBytes: number;
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
  readonly memory: CallStoreStats;
  readonly stale: StaleAnswersStats;
  /** zeros without the layer */
  readonly redis: RedisTierStats;
  readonly coalescing: CoalescingStats;
}

export interface FetchPipeline {
  /** the first layer: what loaders ask */
  readonly fetchCall: FetchCall;
  /** the same without stale answers: what subscriptions' pollers ask */
  readonly pollCall: FetchCall;
  stats(): FetchPipelineStats;
  /** the memory layer's entry of `key` expires then (ms since epoch); undefined when none is held */
  expiresAt(key: CallKey): number | undefined;
  /** `expiresAt`, but only while the entry held is `call` itself (http/settledAnswers.ts) */
  settledUntil(key: CallKey, call: Call): number | undefined;
}

const NO_MEMORY: CallStoreStats = Object.freeze({ hit: 0, miss: 0, size: 0, bytes: 0 });
const NO_STALE: StaleAnswersStats = Object.freeze({ answered: 0 });
const NO_REDIS: RedisTierStats = Object.freeze({ hit: 0, miss: 0, error: 0, writeError: 0 });

export function createFetchPipeline({
  cacheTtlSeconds,
  staleIfErrorSeconds,
  cacheMaxBytes,
  redis,
  maxRedisValueBytes,
  client,
  logging,
  now,
}: FetchPipelineOptions): FetchPipeline {
  const memory =
    cacheTtlSeconds > 0 || staleIfErrorSeconds > 0
      ? new CallStore({ ttlSeconds: cacheTtlSeconds, staleSeconds: staleIfErrorSeconds, maxBytes: cacheMaxBytes, ...(now ? { now } : {}) })
      : undefined;
  const redisTier =
    memory && redis
      ? new RedisCallTier(redis, { ttlSeconds: cacheTtlSeconds, staleSeconds: staleIfErrorSeconds, memory, maxValueBytes: maxRedisValueBytes, ...(now ? { now } : {}) })
      : undefined;
  const stale = memory && staleIfErrorSeconds > 0 ? new StaleAnswers(memory) : undefined;
  const coalescing = new Coalescing();

  const above: FetchLayer[] = [];
  if (memory) above.push(memory.layer);
  if (redisTier) above.push(redisTier.layer);
  const below: FetchLayer[] = [coalescing.layer, upstreamLogging(logging)];
  const last = upstreamFetch(client);

  return {
    fetchCall: composeFetch([...above, ...(stale ? [stale.layer] : []), ...below], last),
    pollCall: composeFetch([...above, ...below], last),
    stats: () => ({
      memory: memory?.stats ?? NO_MEMORY,
      redis: redisTier ? { ...redisTier.stats } : NO_REDIS,
      stale: stale?.stats ?? NO_STALE,
      coalescing: coalescing.stats,
    }),
    expiresAt: (key) => memory?.expiresAt(key),
    settledUntil: (key, call) => memory?.settledUntil(key, call),
  };
}

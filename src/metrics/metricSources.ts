/**
 * Values other modules own, read only when /metrics is scraped (prom-client `collect()`):
 * nothing on the request path. `server.ts` fills a `MetricSources` with the objects it built;
 * every source but the scheduler is optional, and a value that is missing or not a count
 * leaves its series out (or at zero) instead of failing the scrape.
 *
 * Monotonic totals (cache hits, misses, errors) are exposed as counters: each scrape resets the
 * counter and sets it to the current total, so the text says `# TYPE … counter` and the value
 * only grows for the server's lifetime.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export const TRANSPORTS = ['sse', 'ws'] as const;

/** The upstream slots (talkstack/scheduler.ts). */
export interface SlotSource {
  /** tries holding a slot right now */
  readonly inFlight: number;
  /** callers queued for a slot right now */
  readonly waiting: number;
}

/** What the cache of final calls counts (calls/finalCallCache.ts: `stats`). */
export interface FinalCallCacheStats {
  readonly memory?: { readonly hit: number; readonly miss: number };
  readonly redis?: { readonly hit: number; readonly miss: number; readonly error: number };
}

export interface MetricSources {
  scheduler: SlotSource;
  /** the cache of final calls (calls/finalCallCache.ts) */
  finalCalls?: { readonly stats: FinalCallCacheStats };
  /** the fast path for settled answers (http/settledAnswers.ts) */
  settledAnswers?: { readonly stats: { readonly hit: number; readonly miss: number } };
  /** open subscriptions (subscriptions/subscriptionRegistry.ts) */
  subscriptions?: { readonly activeByTransport: Readonly<Record<(typeof TRANSPORTS)[number], number>> };
  /** the shared pollers (subscriptions/callPollers.ts): calls this instance polls itself */
  pollers?: { readonly active: number };
}

export const CACHE_LAYERS = ['memory', 'redis', 'response'] as const;
export const CACHE_RESULTS = ['hit', 'miss', 'error'] as const;

type CacheLayer = (typeof CACHE_LAYERS)[number];
type CacheResult = (typeof CACHE_RESULTS)[number];

/** A finite number ≥ 0 at `path` inside `source`, or undefined. */
function numberAt(source: unknown, ...path: string[]): number | undefined {
  let value = source;
  for (const key of path) {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function cacheTotals(sources: MetricSources): Array<[CacheLayer, CacheResult, number]> {
  const totals: Array<[CacheLayer, CacheResult, number]> = [];
  const add = (layer: CacheLayer, result: CacheResult, value: number | undefined) => {
    if (value !== undefined) totals.push([layer, result, value]);
  };
  for (const result of CACHE_RESULTS) add('memory', result, numberAt(sources.finalCalls, 'stats', 'memory', result));
  for (const result of CACHE_RESULTS) add('redis', result, numberAt(sources.finalCalls, 'stats', 'redis', result));
  for (const result of CACHE_RESULTS) add('response', result, numberAt(sources.settledAnswers, 'stats', result));
  return totals;
}

export function registerSourceMetrics(registry: Registry, sourcesNow: () => MetricSources): void {
  const registers = [registry];
  new Gauge({
    name: 'talkstack_upstream_in_flight',
    help: 'Upstream tries holding one of the UPSTREAM_CONCURRENCY slots right now.',
    registers,
    collect() {
      this.set(sourcesNow().scheduler.inFlight);
    },
  });
  new Gauge({
    name: 'talkstack_upstream_waiting',
    help: 'Upstream requests queued for a slot right now.',
    registers,
    collect() {
      this.set(sourcesNow().scheduler.waiting);
    },
  });
  new Counter({
    name: 'talkstack_cache_requests_total',
    help: 'Lookups per cache layer (memory, redis: final calls; response: settled answers) and result.',
    labelNames: ['layer', 'result'] as const,
    registers,
    collect() {
      this.reset();
      for (const [layer, result, total] of cacheTotals(sourcesNow())) this.inc({ layer, result }, total);
    },
  });
  new Gauge({
    name: 'talkstack_subscriptions_active',
    help: 'Open subscriptions of this instance, by transport.',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      const open = sourcesNow().subscriptions;
      for (const transport of TRANSPORTS) this.set({ transport }, numberAt(open, 'activeByTransport', transport) ?? 0);
    },
  });
  new Gauge({
    name: 'talkstack_pollers_active',
    help: 'Calls this instance is polling upstream for its subscribers right now.',
    registers,
    collect() {
      this.set(numberAt(sourcesNow().pollers, 'active') ?? 0);
    },
  });
}

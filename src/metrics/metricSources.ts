/**
 * Values other modules own, read only when /metrics is scraped (prom-client `collect()`):
 * nothing on the request path. Each owner reports typed stats (the fetch pipeline's layers, the
 * scheduler, the fast path, the registry, the pollers); the app gathers them into one
 * `ServerStats` (app.ts: `server.stats()`), which is all this module reads.
 *
 * Monotonic totals (cache hits, misses, errors) are exposed as counters: each scrape resets the
 * counter and sets it to the current total, so the text says `# TYPE … counter` and the value
 * only grows for the server's lifetime.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FetchPipelineStats } from '../fetch/fetchPipeline.js';
import type { GovernorStats } from '../governor/upstreamGovernor.js';
import type { SettledAnswersStats } from '../http/settledAnswers.js';
import type { PollerStats } from '../subscriptions/callPollers.js';
import type { SubscriptionStats } from '../subscriptions/subscriptionRegistry.js';
import type { SchedulerStats } from '../talkstack/scheduler.js';

export const TRANSPORTS = ['sse', 'ws'] as const;

/** What every part of one server counts, at one moment. */
export interface ServerStats {
  /** the process-wide upstream slots */
  readonly upstream: SchedulerStats;
  /** pacing, breakers and refusals per tenant */
  readonly governor: GovernorStats;
  /** the fetch pipeline, layer by layer */
  readonly fetch: FetchPipelineStats;
  /** the fast path for settled answers */
  readonly settledAnswers: SettledAnswersStats;
  readonly subscriptions: SubscriptionStats;
  readonly pollers: PollerStats;
  /** open GraphQL-over-WebSocket connections */
  readonly webSocketConnections: number;
}

export const REFUSAL_REASONS = ['breaker', 'wait', 'queue'] as const;

export const CACHE_LAYERS = ['memory', 'redis', 'response'] as const;
export const CACHE_RESULTS = ['hit', 'miss', 'error'] as const;

type CacheLayer = (typeof CACHE_LAYERS)[number];

function cacheTotals({ fetch, settledAnswers }: ServerStats): Array<[CacheLayer, string, number]> {
  return [
    ['memory', 'hit', fetch.memory.hit],
    ['memory', 'miss', fetch.memory.miss],
    ['redis', 'hit', fetch.redis.hit],
    ['redis', 'miss', fetch.redis.miss],
    ['redis', 'error', fetch.redis.error],
    ['response', 'hit', settledAnswers.hit],
    ['response', 'miss', settledAnswers.miss],
  ];
}

export function registerSourceMetrics(registry: Registry, statsNow: () => ServerStats): void {
  const registers = [registry];
  new Gauge({
    name: 'talkstack_upstream_in_flight',
    help: 'Upstream tries holding one of the UPSTREAM_CONCURRENCY slots right now.',
    registers,
    collect() {
      this.set(statsNow().upstream.inFlight);
    },
  });
  new Gauge({
    name: 'talkstack_upstream_waiting',
    help: 'Upstream requests queued for a slot right now.',
    registers,
    collect() {
      this.set(statsNow().upstream.waiting);
    },
  });
  new Counter({
    name: 'talkstack_upstream_refused_total',
    help: 'Upstream calls refused unsent by the governor: breaker (UPSTREAM_UNAVAILABLE), wait (RATE_LIMITED: past UPSTREAM_MAX_WAIT_MS), queue (TOO_MANY_REQUESTS).',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      this.reset();
      const { refused } = statsNow().governor;
      for (const reason of REFUSAL_REASONS) this.inc({ reason }, refused[reason]);
    },
  });
  new Gauge({
    name: 'talkstack_upstream_breakers_open',
    help: 'Tenants whose circuit breaker is open on this instance right now (Talkstack failing for them).',
    registers,
    collect() {
      this.set(statsNow().governor.breakersOpen);
    },
  });
  new Gauge({
    name: 'talkstack_upstream_paced_tenants',
    help: 'Tenants held back by a learned or configured pace, or paused by a 429, right now.',
    registers,
    collect() {
      this.set(statsNow().governor.pacedTenants);
    },
  });
  new Gauge({
    name: 'talkstack_upstream_waiting_for_pace',
    help: "Upstream calls waiting for their tenant's pace right now.",
    registers,
    collect() {
      this.set(statsNow().governor.waiting);
    },
  });
  new Counter({
    name: 'talkstack_stale_answers_total',
    help: 'Calls answered stale (as last seen, listed in extensions.stale) instead of an upstream failure.',
    registers,
    collect() {
      this.reset();
      this.inc(statsNow().fetch.stale.answered);
    },
  });
  new Counter({
    name: 'talkstack_cache_requests_total',
    help: 'Lookups per cache layer (memory, redis: final calls; response: settled answers) and result.',
    labelNames: ['layer', 'result'] as const,
    registers,
    collect() {
      this.reset();
      for (const [layer, result, total] of cacheTotals(statsNow())) this.inc({ layer, result }, total);
    },
  });
  new Gauge({
    name: 'talkstack_subscriptions_active',
    help: 'Open subscriptions of this instance, by transport.',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      const { byTransport } = statsNow().subscriptions;
      for (const transport of TRANSPORTS) this.set({ transport }, byTransport[transport]);
    },
  });
  new Gauge({
    name: 'talkstack_pollers_active',
    help: 'Calls this instance is polling upstream for its subscribers right now.',
    registers,
    collect() {
      this.set(statsNow().pollers.active);
    },
  });
}

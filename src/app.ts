/**
 * The app: `createServer(config)` wires the parts together and does nothing else. Each part is
 * a module of its own (docs/architecture.md follows a query and a subscription through them):
 *
 *   upstream      the fair slots and the Talkstack client          talkstack/
 *   fetch         the fetch pipeline, its layers in order           fetch/fetchPipeline.ts
 *   subscriptions the registry's caps and the shared pollers        subscriptions/
 *   graphql       Yoga, its context and its plugins in order       graphql/
 *   http          the Node layer's routing and the server          http/router.ts, http/nodeServer.ts
 *   websocket     GraphQL over WebSocket on the same path           websocket/
 *   metrics, tracing, readiness
 *
 * Every call makes an isolated instance (its own slots, client, caches, metrics registry and
 * tracer provider), so tests run several side by side.
 */
import type { Server } from 'node:http';
import { schema } from '../schema/index.js';
import { sharedCallBytesLimit } from './calls/callShape.js';
import type { Config } from './config/config.js';
import { trustedDocumentsFor } from './config/startup.js';
import { createFetchPipeline } from './fetch/fetchPipeline.js';
import { DEFAULT_TAB_DOCUMENT, type GraphiQLTab } from './graphiql/graphiqlOptions.js';
import { createContextFactory } from './graphql/context.js';
import { graphqlPlugins } from './graphql/plugins.js';
import { createGraphQLHandler, CSRF_HEADER, type GraphQLHandler, GRAPHQL_PATH } from './graphql/yoga.js';
import { createNodeServer } from './http/nodeServer.js';
import { createRouter } from './http/router.js';
import { SettledAnswers } from './http/settledAnswers.js';
import { makeCredential } from './identity/credential.js';
import { Readiness } from './lifecycle/readiness.js';
import type { TrustedDocuments } from './limits/trustedManifest.js';
import { createIdFingerprint, createLogFingerprint } from './logging/logFingerprint.js';
import { createLogger, type Logger } from './logging/logger.js';
import type { ServerStats } from './metrics/metricSources.js';
import { createServerMetrics } from './metrics/serverMetrics.js';
import { RedisConnection } from './redis/redisConnection.js';
import { CallPollers } from './subscriptions/callPollers.js';
import { RedisPollSharing } from './subscriptions/redisPollSharing.js';
import { SubscriptionRegistry, subscriptionLimitsOf } from './subscriptions/subscriptionRegistry.js';
import { createTalkstackClient } from './talkstack/client.js';
import { UpstreamScheduler } from './talkstack/scheduler.js';
import { RedisSharedPace } from './governor/sharedPace.js';
import { BackpressureGuard } from './http/backpressure.js';
import { UpstreamGovernor } from './governor/upstreamGovernor.js';
import { createTracing, type TracingOptions } from './tracing/tracing.js';
import { attachWebSocketEndpoint } from './websocket/webSocketEndpoint.js';

export interface ServerOptions {
  /** GraphiQL's example documents, one tab each; a function is called at each page load */
  graphiqlTabs?: readonly GraphiQLTab[] | (() => readonly GraphiQLTab[]);
  /** where logs go; by default JSON lines on stdout at LOG_LEVEL */
  logger?: Logger;
  /** span processors to use instead of the OTLP exporter (tests); tracing is on with them */
  tracing?: Pick<TracingOptions, 'spanProcessors'>;
  /** with PERSISTED_OPERATIONS_ONLY: the manifest as read at start-up (config/startup.ts); read now if not given */
  trustedDocuments?: TrustedDocuments;
}

export interface CallsServer {
  readonly config: Config;
  /** Yoga: `yoga.fetch(request)` runs a request without a port (tests, embedders) */
  readonly yoga: GraphQLHandler;
  /** the Node HTTP server (listening once `listen` has resolved) */
  readonly http: Server;
  /** the connections to Redis with `REDIS_URL`, shared by the cache tier and the pollers */
  readonly redis: RedisConnection | undefined;
  /** what every part counts right now: what /metrics serves, typed */
  stats(): ServerStats;
  /** listens on `port`/`host` (defaults from config), marks the server ready, resolves with the base URL */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * The first step of stopping: /readiness turns 503, open subscriptions complete, and every
   * answer from now on closes its connection. Requests are still served.
   */
  drain(): void;
  /**
   * Drains, stops listening, lets requests in flight finish for up to `graceMs` (default 0:
   * cut them at once, as tests want), closes each connection as it goes idle, then closes
   * the upstream client, the pollers' leases, Redis and tracing.
   */
  close(graceMs?: number): Promise<void>;
}

export function createServer(config: Config, options: ServerOptions = {}): CallsServer {
  const logger = options.logger ?? createLogger(config.logLevel);
  // PERSISTED_OPERATIONS_ONLY: the manifest, read once; undefined when off.
  const trustedDocuments = config.persistedOperationsOnly ? (options.trustedDocuments ?? trustedDocumentsFor(config)) : undefined;
  // GraphiQL sends query texts, which a trusted-documents server refuses.
  const graphiqlServed = config.graphiql && trustedDocuments === undefined;
  // Off (METRICS=false, no OTEL_EXPORTER_OTLP_ENDPOINT): undefined, and nothing of them runs.
  const metrics = config.metrics ? createServerMetrics(() => stats()) : undefined;
  const tracing = createTracing({ endpoint: config.otelExporterOtlpEndpoint, spanProcessors: options.tracing?.spanProcessors });

  const redis = config.redisUrl ? new RedisConnection({ url: config.redisUrl, keySecret: config.redisKeySecret, logger }) : undefined;
  if (redis && !config.redisKeySecret) {
    logger.warn(
      'REDIS_KEY_SECRET is not set: Redis keys name credentials by a plain SHA-256 of their digest, and calls read back from Redis are not authenticated (no MAC); set the same secret on every instance',
    );
  }
  const scheduler = new UpstreamScheduler(config.upstreamConcurrency);
  const breakerFingerprint = createIdFingerprint();
  // With Redis, paced tenants' sends are reserved cluster-wide and what one instance learns
  // from a 429 is told to the others; the listener reaches the governor made just below.
  let governor: UpstreamGovernor | undefined;
  const sharedPace = redis && new RedisSharedPace(redis, (tenant, lesson) => governor?.applyLesson(tenant, lesson), logger);
  governor = new UpstreamGovernor({
    rateLimit: config.upstreamRateLimit,
    ...(sharedPace ? { sharedPace } : {}),
    maxWaitMs: config.upstreamMaxWaitMs,
    maxWaitingPerTenant: config.maxWaitingCallsPerTenant,
    onBreaker: (tenantId, open) => {
      const tenant = breakerFingerprint(tenantId);
      if (open) logger.warn({ tenant }, 'Talkstack is failing for a tenant: its circuit breaker opened; its calls fail UPSTREAM_UNAVAILABLE unsent, with one probe a second');
      else logger.info({ tenant }, "a tenant's circuit breaker closed: Talkstack answers it again");
    },
  });
  const client = createTalkstackClient({
    baseUrl: config.talkstackApiUrl,
    timeoutMs: config.upstreamTimeoutMs,
    retries: config.upstreamRetries,
    governor,
    maxSends: 3 + config.upstreamRetries,
    maxBodyBytes: config.upstreamMaxBodyBytes,
    scheduler,
    recorder: metrics?.upstream,
    tracer: tracing?.tries,
  });
  // Anything read back from Redis is bounded: a real call is a little over its upstream body.
  const maxSharedCallBytes = sharedCallBytesLimit(config.upstreamMaxBodyBytes);
  const pipeline = createFetchPipeline({
    cacheTtlSeconds: config.cacheTtlSeconds,
    staleIfErrorSeconds: config.staleIfErrorSeconds,
    cacheMaxBytes: config.cacheMaxBytes,
    redis,
    maxRedisValueBytes: maxSharedCallBytes,
    client,
    logging: { logger, fingerprint: createLogFingerprint(), upstreamHost: new URL(config.talkstackApiUrl).host },
  });

  const subscriptions = new SubscriptionRegistry(subscriptionLimitsOf(config));
  // Polls go through the pipeline, not an operation's loader; with Redis, one instance polls each call.
  const pollers = new CallPollers({
    fetchCall: pipeline.pollCall,
    intervalMs: config.callPollIntervalMs,
    logger,
    sharing: redis && new RedisPollSharing(redis, { logger, maxMessageBytes: maxSharedCallBytes }),
  });
  const serviceCredential = makeCredential(undefined, config.talkstackApiKey);
  // Repeated requests answered wholly by settled final calls skip the GraphQL pipeline.
  const settledAnswers = new SettledAnswers({ calls: pipeline, serviceCredential, csrfHeader: CSRF_HEADER });
  const readiness = new Readiness(() => redis?.state ?? 'off');

  const yoga = createGraphQLHandler({
    schema,
    logger,
    context: createContextFactory({
      config,
      fetchCall: pipeline.fetchCall,
      subscriptions,
      pollers,
      serviceCredential,
      onOperation: (req, loader) => settledAnswers.observe(req, loader),
      observeBatch: metrics?.observeBatch,
    }),
    plugins: graphqlPlugins({ config, logger, csrfHeader: CSRF_HEADER, tracing: tracing?.plugin, metrics: metrics?.plugin, trustedDocuments }),
    graphiql: graphiqlServed ? { title: 'Talkstack calls · GraphiQL', tabs: options.graphiqlTabs ?? [DEFAULT_TAB_DOCUMENT] } : undefined,
  });
  const node = createNodeServer(createRouter({ config, readiness, metrics, graphiql: graphiqlServed, settledAnswers, graphql: yoga }), { config, logger });
  // One backpressure rule for every stream: SSE and HTTP answers, WebSockets (http/backpressure.ts).
  const backpressure = new BackpressureGuard();
  backpressure.include(() => node.backlogs());
  const webSockets = attachWebSocketEndpoint(node.http, { path: GRAPHQL_PATH, config, yoga, logger, trustedDocuments, backpressure });

  const stats = (): ServerStats => ({
    upstream: scheduler.stats,
    governor: governor.stats(),
    fetch: pipeline.stats(),
    settledAnswers: settledAnswers.stats,
    subscriptions: subscriptions.stats,
    pollers: pollers.stats,
    webSocketConnections: webSockets.connections,
  });

  const drain = (): void => {
    readiness.markDraining();
    node.beginDraining();
    subscriptions.completeAll();
    // After the subscriptions: each socket closes (1001) once its `complete` messages are sent.
    webSockets.drain();
  };

  return {
    config,
    yoga,
    http: node.http,
    redis,
    stats,
    async listen(port = config.port, host = config.host) {
      // Every request served is traced: the SDK loads in the background until then.
      await tracing?.ready;
      const url = await node.listen(port, host);
      readiness.markReady();
      return url;
    },
    drain,
    async close(graceMs = 0) {
      drain();
      // WebSocket connections still busy get the same grace, then end with the HTTP ones.
      webSockets.close(graceMs);
      const { dropped } = await node.close(graceMs);
      webSockets.close();
      backpressure.stop();
      if (dropped > 0) logger.warn({ dropped }, 'requests still running when SHUTDOWN_GRACE_MS ended were cut off');
      // Gives the Redis poll leases back (bounded by the command timeout), so another instance takes over at once.
      await pollers.close();
      await client.close();
      redis?.close();
      await tracing?.shutdown();
    },
  };
}

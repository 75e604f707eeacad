/**
 * The HTTP server: Yoga on `/graphql` (POST, GET, GraphiQL, SSE subscriptions; GraphQL over
 * WebSocket through the same Yoga, websocket/webSocketEndpoint.ts), `/health`,
 * `/readiness` and `/metrics` (answered in the Node layer) and GraphiQL's own assets.
 * `createServer(config)` builds an isolated instance (its own limiter, client, schema wiring,
 * metrics registry and tracer provider), so tests can run several side by side.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { schema } from '../schema/index.js';
import { callFetcher } from './calls/fetchCall.js';
import { type CachedFetchCall, cacheFinalCalls } from './calls/finalCallCache.js';
import { type Config, trustedDocumentsOf } from './config.js';
import { type Context, createContextFactory } from './context.js';
import { maskError } from './errorMasking.js';
import { serveGraphiQLAsset } from './graphiql/graphiqlAssets.js';
import { graphiqlOptionsFactory } from './graphiql/graphiqlOptions.js';
import { renderGraphiQLPage } from './graphiql/graphiqlPage.js';
import { corsHandler } from './http/cors.js';
import { GracefulClose } from './http/gracefulClose.js';
import { answerClientError, guardRequests, type RequestListener, useLastResortErrors } from './http/lastResort.js';
import { checkRequestHead } from './http/requestHead.js';
import { hasUndeclaredBody, readLimitedBody, refuseOversized } from './http/requestLimits.js';
import { applyServerTimeouts, HTTP_SERVER_OPTIONS } from './http/serverTimeouts.js';
import { SettledAnswers } from './http/settledAnswers.js';
import { useUnsentStreamsClosed } from './http/unsentStreams.js';
import { introspectionPlugins } from './limits/introspectionPolicy.js';
import { useOperationLimits } from './limits/limitsPlugin.js';
import { boundedParserCache } from './limits/parseCache.js';
import { requestBudgetPlugins } from './limits/requestBudgets.js';
import { trustedDocumentPlugins } from './limits/trustedDocuments.js';
import { createLogFingerprint } from './logFingerprint.js';
import { createLogger, type Logger, yogaLoggerFrom } from './logger.js';
import { createServerMetrics, isMetricsPath } from './metrics/serverMetrics.js';
import { answerReadiness, isReadinessPath, Readiness } from './readiness.js';
import { RedisConnection } from './redis/redisConnection.js';
import { RedisPollSharing } from './redis/redisPollLease.js';
import { CallPollers } from './subscriptions/callPollers.js';
import { SubscriptionRegistry, subscriptionLimitsOf } from './subscriptions/subscriptionRegistry.js';
import { createTalkstackClient } from './talkstack/client.js';
import { makeCredential } from './talkstack/credentials.js';
import { UpstreamScheduler } from './talkstack/scheduler.js';
import { createTracing, type TracingOptions } from './tracing/tracing.js';
import { attachWebSocketEndpoint, type WebSocketEndpoint } from './websocket/webSocketEndpoint.js';

export const GRAPHQL_PATH = '/graphql';
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

const isGraphQLPath = (url: string | undefined) => url === GRAPHQL_PATH || (url !== undefined && url.startsWith(`${GRAPHQL_PATH}?`));

export interface ServerOptions {
  /** GraphiQL's example documents, one tab each; a function is called at each page load */
  graphiqlTabs?: readonly string[] | (() => readonly string[]);
  /** where logs go; by default JSON lines on stdout at LOG_LEVEL */
  logger?: Logger;
  /** span processors to use instead of the OTLP exporter (tests); tracing is on with them */
  tracing?: Pick<TracingOptions, 'spanProcessors'>;
}

export interface CallsServer {
  readonly config: Config;
  readonly yoga: YogaServerInstance<Record<string, never>, Context>;
  readonly http: Server;
  /** GraphQL over WebSocket (graphql-transport-ws) on /graphql, beside SSE */
  readonly webSockets: WebSocketEndpoint;
  /** the fair, process-wide slots bounding upstream requests of this server */
  readonly scheduler: UpstreamScheduler;
  /** upstream fetches in flight, shared by the operations that await them */
  readonly sharedFetches: { readonly inFlight: number; readonly waiters: number };
  /** the cache of settled final calls (`CACHE_TTL_SECONDS`) */
  readonly finalCalls: Pick<CachedFetchCall, 'cachedCalls' | 'stats' | 'expiresAt'>;
  /** repeated requests answered from memory without the GraphQL pipeline */
  readonly settledAnswers: SettledAnswers;
  /** open subscriptions and their caps; `completeAll()` ends them all as completions */
  readonly subscriptions: SubscriptionRegistry;
  /** the shared pollers of subscriptions: one per (credential, call), cluster-wide with Redis */
  readonly pollers: CallPollers;
  /** starting → ready (once listening) → draining (once told to stop); served on /readiness */
  readonly readiness: Readiness;
  /** the connections to Redis with `REDIS_URL`, shared by the cache and the pollers */
  readonly redis: RedisConnection | undefined;
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
   * the upstream client.
   */
  close(graceMs?: number): Promise<void>;
}

const GENERIC_DEFAULT_QUERY = `# Talkstack calls. Pass your credential in the Headers tab:
# { "x-api-key": "..." } or { "Authorization": "Bearer ..." }
query Call($sid: ID!, $projectId: ID) {
  call(sid: $sid, projectId: $projectId) {
    sid
    status
    isFinal
    durationSeconds
    cost
    date
    recordings { url format }
  }
}
`;

export function createServer(config: Config, options: ServerOptions = {}): CallsServer {
  const logger = options.logger ?? createLogger(config.logLevel);
  // PERSISTED_OPERATIONS_ONLY: the manifest, read once; undefined when off.
  const trustedDocuments = trustedDocumentsOf(config);
  // GraphiQL sends query texts, which a trusted-documents server refuses.
  const graphiqlServed = config.graphiql && trustedDocuments === undefined;
  const scheduler = new UpstreamScheduler(config.upstreamConcurrency);
  // Off (METRICS=false, no OTEL_EXPORTER_OTLP_ENDPOINT): undefined, and nothing of them runs.
  const metrics = config.metrics
    ? createServerMetrics(() => ({ scheduler, finalCalls: fetchCall, settledAnswers, subscriptions, pollers }))
    : undefined;
  const tracing = createTracing({ endpoint: config.otelExporterOtlpEndpoint, spanProcessors: options.tracing?.spanProcessors });
  const client = createTalkstackClient({
    baseUrl: config.talkstackApiUrl,
    timeoutMs: config.upstreamTimeoutMs,
    retries: config.upstreamRetries,
    maxBodyBytes: config.upstreamMaxBodyBytes,
    scheduler,
    recorder: metrics?.upstream,
    tracer: tracing?.tries,
  });
  const sharedFetches = callFetcher(client, {
    logger,
    fingerprint: createLogFingerprint(),
    upstreamHost: new URL(config.talkstackApiUrl).host,
  });
  const redis = config.redisUrl ? new RedisConnection({ url: config.redisUrl, keySecret: config.redisKeySecret, logger }) : undefined;
  // Settled final calls are answered from memory, then (with Redis) from the shared tier;
  // everything else goes to the shared fetches.
  // Anything read back from Redis is bounded: a real call is a little over its upstream body.
  const maxRedisValueBytes = 4 * config.upstreamMaxBodyBytes;
  const fetchCall = cacheFinalCalls(sharedFetches, { ttlSeconds: config.cacheTtlSeconds, redis, maxRedisValueBytes });
  if (redis && !config.redisKeySecret) {
    logger.warn('REDIS_KEY_SECRET is not set: Redis keys name credentials by a plain SHA-256 of their digest; set the same secret on every instance');
  }
  const readiness = new Readiness(() => redis?.state ?? 'off');
  const subscriptions = new SubscriptionRegistry(subscriptionLimitsOf(config));
  // Polls go through the cached seam, not an operation's loader; with Redis, one instance polls each call.
  const pollers = new CallPollers({
    fetchCall,
    intervalMs: config.callPollIntervalMs,
    logger,
    sharing: redis && new RedisPollSharing(redis, { logger, maxMessageBytes: maxRedisValueBytes }),
  });
  const answerCors = corsHandler(config);
  const serviceCredential = makeCredential(undefined, config.talkstackApiKey);
  // Repeated requests answered wholly by settled final calls skip the GraphQL pipeline.
  const settledAnswers = new SettledAnswers({
    calls: fetchCall,
    serviceCredential,
    csrfHeader: CSRF_HEADER,
  });

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: '/health',
    landingPage: false,
    logging: yogaLoggerFrom(logger),
    context: createContextFactory({
      config,
      fetchCall,
      subscriptions,
      pollers,
      serviceCredential,
      onOperation: (req, loader) => settledAnswers.observe(req, loader),
      observeBatch: metrics?.observeBatch,
    }),
    maskedErrors: { maskError },
    // CORS is answered in the Node HTTP layer (http/cors.ts): Yoga's would allow every origin.
    cors: false,
    // The body limit is enforced in the Node HTTP layer (requestLimits.ts). Yoga's own limit
    // is on by default (25 MB) and pipes every body through a TransformStream and a stream
    // pipeline: measured, more than half of this server's CPU per single-call request.
    maxRequestBodySize: false,
    // Bounded by memory, not only by count: near-limit documents are big (limits/parseCache.ts).
    parserAndValidationCache: boundedParserCache(),
    graphiql: graphiqlServed
      ? graphiqlOptionsFactory({
          title: 'Talkstack calls · GraphiQL',
          tabs: options.graphiqlTabs ?? [GENERIC_DEFAULT_QUERY],
          csrfHeader: CSRF_HEADER,
        })
      : false,
    renderGraphiQL: renderGraphiQLPage,
    plugins: [
      // First, so it wraps Yoga's own handler: nothing thrown there reaches the client as a stack.
      useLastResortErrors(logger),
      // Before any plugin that may answer without executing: their spans and counts must close.
      ...(tracing ? [tracing.plugin] : []),
      ...(metrics ? [metrics.plugin] : []),
      // Browsers may send GETs and "simple" POSTs cross-site without a preflight: those must
      // carry this header. JSON POSTs (fetch clients, SSE) are unaffected; GraphiQL's SSE GETs
      // send it (graphiql/graphiqlOptions.ts).
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
      // Before the limits: they then check the trusted document a hash stands for.
      ...trustedDocumentPlugins(trustedDocuments),
      useOperationLimits(config),
      ...requestBudgetPlugins(config),
      ...introspectionPlugins(config.introspection),
      // @defer and @stream (README: Incremental delivery). After tracing, metrics and the
      // limits, as it answers nothing itself: it adds the two directives to the schema and its
      // rules to the one validation the limits' rules run in (MAX_DEPTH, MAX_ALIASES and
      // MAX_TOKENS refuse a deferred part like any other, whatever the order), and the
      // incremental result it allows is an async iterable that the spans, the counts and the
      // error cap above follow payload by payload to its end (limits/incrementalErrors.ts).
      useDeferStream(),
      // A stream the client's Accept cannot take (406) ends at once instead of staying open.
      useUnsentStreamsClosed(),
    ],
  });

  const handle: RequestListener = (req, res) => {
    connections.track(res);
    if (!checkRequestHead(req, res)) return;
    if (isReadinessPath(req.url)) {
      answerReadiness(res, readiness);
      return;
    }
    if (metrics && isMetricsPath(req.url)) {
      metrics.answer(req, res);
      return;
    }
    if (answerCors(req, res)) return;
    if (refuseOversized(req, res, config.maxBodyBytes)) return;
    if (graphiqlServed && serveGraphiQLAsset(req, res)) return;
    if (hasUndeclaredBody(req)) {
      void readLimitedBody(req, res, config.maxBodyBytes).then((ok) => {
        if (ok) void yoga(req, res);
      });
      return;
    }
    if (isGraphQLPath(req.url)) settledAnswers.handle(req, res, runYoga);
    else void yoga(req, res);
  };
  const runYoga = (req: IncomingMessage, res: ServerResponse): void => void yoga(req, res);
  const http = createHttpServer(HTTP_SERVER_OPTIONS, guardRequests(handle, logger));
  http.on('clientError', answerClientError);
  applyServerTimeouts(http, config);
  const connections = new GracefulClose(http);
  const webSockets = attachWebSocketEndpoint(http, { path: GRAPHQL_PATH, config, yoga, logger, trustedDocuments });

  const server: CallsServer = {
    config,
    yoga,
    http,
    webSockets,
    scheduler,
    sharedFetches,
    finalCalls: fetchCall,
    settledAnswers,
    subscriptions,
    pollers,
    readiness,
    redis,
    async listen(port = config.port, host = config.host) {
      // Every request served is traced: the SDK loads in the background until then.
      await tracing?.ready;
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          const address = http.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          readiness.markReady();
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    drain() {
      readiness.markDraining();
      connections.beginDraining();
      server.subscriptions.completeAll();
      // After the subscriptions: each socket closes (1001) once its `complete` messages are sent.
      webSockets.drain();
    },
    async close(graceMs = 0) {
      server.drain();
      // WebSocket connections still busy get the same grace, then end with the HTTP ones.
      webSockets.close(graceMs);
      const { dropped } = await connections.close(graceMs);
      webSockets.close();
      if (dropped > 0) logger.warn({ dropped }, 'requests still running when SHUTDOWN_GRACE_MS ended were cut off');
      // Gives the Redis poll leases back (bounded by the command timeout), so another instance takes over at once.
      await pollers.close();
      await client.close();
      redis?.close();
      await tracing?.shutdown();
    },
  };
  return server;
}

/**
 * The HTTP server: Yoga on `/graphql` (POST, GET, GraphiQL, SSE subscriptions), `/health`,
 * `/readiness` (answered in the Node layer) and GraphiQL's own assets. `createServer(config)`
 * builds an isolated instance (its own limiter, client and schema wiring), so tests can run
 * several side by side.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { schema } from '../schema/index.js';
import { callFetcher } from './calls/fetchCall.js';
import { cacheFinalCalls } from './calls/finalCallCache.js';
import type { Config } from './config.js';
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
import { introspectionPlugins } from './limits/introspectionPolicy.js';
import { useOperationLimits } from './limits/limitsPlugin.js';
import { boundedParserCache } from './limits/parseCache.js';
import { requestBudgetPlugins } from './limits/requestBudgets.js';
import { createLogFingerprint } from './logFingerprint.js';
import { createLogger, type Logger, yogaLoggerFrom } from './logger.js';
import { answerReadiness, isReadinessPath, Readiness } from './readiness.js';
import { RedisConnection } from './redis/redisConnection.js';
import { SubscriptionRegistry, subscriptionLimitsOf } from './subscriptions/subscriptionRegistry.js';
import { createTalkstackClient } from './talkstack/client.js';
import { makeCredential } from './talkstack/credentials.js';
import { UpstreamScheduler } from './talkstack/scheduler.js';

export const GRAPHQL_PATH = '/graphql';
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

export interface ServerOptions {
  /** the query GraphiQL opens with; a function is called at each page load */
  graphiqlDefaultQuery?: string | (() => string);
  /** where logs go; by default JSON lines on stdout at LOG_LEVEL */
  logger?: Logger;
}

export interface CallsServer {
  readonly config: Config;
  readonly yoga: YogaServerInstance<Record<string, never>, Context>;
  readonly http: Server;
  /** the fair, process-wide slots bounding upstream requests of this server */
  readonly scheduler: UpstreamScheduler;
  /** upstream fetches in flight, shared by the operations that await them */
  readonly sharedFetches: { readonly inFlight: number; readonly waiters: number };
  /** the cache of settled final calls (`CACHE_TTL_SECONDS`) */
  readonly finalCalls: { readonly cachedCalls: number };
  /** open subscriptions and their caps; `completeAll()` ends them all as completions */
  readonly subscriptions: SubscriptionRegistry;
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
  const scheduler = new UpstreamScheduler(config.upstreamConcurrency);
  const client = createTalkstackClient({
    baseUrl: config.talkstackApiUrl,
    timeoutMs: config.upstreamTimeoutMs,
    retries: config.upstreamRetries,
    maxBodyBytes: config.upstreamMaxBodyBytes,
    scheduler,
  });
  const sharedFetches = callFetcher(client, {
    logger,
    fingerprint: createLogFingerprint(),
    upstreamHost: new URL(config.talkstackApiUrl).host,
  });
  // Settled final calls are answered from memory; everything else goes to the shared fetches.
  const fetchCall = cacheFinalCalls(sharedFetches, { ttlSeconds: config.cacheTtlSeconds });
  const redis = config.redisUrl ? new RedisConnection({ url: config.redisUrl, keySecret: config.redisKeySecret, logger }) : undefined;
  if (redis && !config.redisKeySecret) {
    logger.warn('REDIS_KEY_SECRET is not set: Redis keys name credentials by a plain SHA-256 of their digest; set the same secret on every instance');
  }
  const readiness = new Readiness(() => redis?.state ?? 'off');
  const subscriptions = new SubscriptionRegistry(subscriptionLimitsOf(config));
  const answerCors = corsHandler(config);

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
      serviceCredential: makeCredential(undefined, config.talkstackApiKey),
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
    graphiql: config.graphiql
      ? graphiqlOptionsFactory({
          title: 'Talkstack calls · GraphiQL',
          defaultQuery: options.graphiqlDefaultQuery ?? GENERIC_DEFAULT_QUERY,
          csrfHeader: CSRF_HEADER,
        })
      : false,
    renderGraphiQL: renderGraphiQLPage,
    plugins: [
      // First, so it wraps Yoga's own handler: nothing thrown there reaches the client as a stack.
      useLastResortErrors(logger),
      // Browsers may send GETs and "simple" POSTs cross-site without a preflight: those must
      // carry this header. JSON POSTs (fetch clients, SSE) are unaffected; GraphiQL's SSE GETs
      // send it (graphiql/graphiqlOptions.ts).
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
      useOperationLimits(config),
      ...requestBudgetPlugins(config),
      ...introspectionPlugins(config.introspection),
    ],
  });

  const handle: RequestListener = (req, res) => {
    connections.track(res);
    if (!checkRequestHead(req, res)) return;
    if (isReadinessPath(req.url)) {
      answerReadiness(res, readiness);
      return;
    }
    if (answerCors(req, res)) return;
    if (refuseOversized(req, res, config.maxBodyBytes)) return;
    if (config.graphiql && serveGraphiQLAsset(req, res)) return;
    if (hasUndeclaredBody(req)) {
      void readLimitedBody(req, res, config.maxBodyBytes).then((ok) => {
        if (ok) void yoga(req, res);
      });
      return;
    }
    void yoga(req, res);
  };
  const http = createHttpServer(HTTP_SERVER_OPTIONS, guardRequests(handle, logger));
  http.on('clientError', answerClientError);
  applyServerTimeouts(http, config);
  const connections = new GracefulClose(http);

  const server: CallsServer = {
    config,
    yoga,
    http,
    scheduler,
    sharedFetches,
    finalCalls: fetchCall,
    subscriptions,
    readiness,
    redis,
    listen(port = config.port, host = config.host) {
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
    },
    async close(graceMs = 0) {
      server.drain();
      const { dropped } = await connections.close(graceMs);
      if (dropped > 0) logger.warn({ dropped }, 'requests still running when SHUTDOWN_GRACE_MS ended were cut off');
      await client.close();
      redis?.close();
    },
  };
  return server;
}

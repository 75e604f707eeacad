/**
 * The HTTP server: Yoga on `/graphql` (POST, GET, GraphiQL, SSE subscriptions), `/health`,
 * and GraphiQL's own assets. `createServer(config)` builds an isolated instance (its own
 * limiter, client and schema wiring), so tests can run several side by side.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { schema } from '../schema/index.js';
import { callFetcher } from './calls/fetchCall.js';
import type { Config } from './config.js';
import { type Context, createContextFactory } from './context.js';
import { maskError } from './errorMasking.js';
import { serveGraphiQLAsset } from './graphiql/graphiqlAssets.js';
import { renderGraphiQLPage } from './graphiql/graphiqlPage.js';
import { hasUndeclaredBody, readLimitedBody, refuseOversized } from './http/requestLimits.js';
import { introspectionPlugins } from './limits/introspectionPolicy.js';
import { useOperationLimits } from './limits/limitsPlugin.js';
import { createLogger, type Logger, yogaLoggerFrom } from './logger.js';
import { createTalkstackClient } from './talkstack/client.js';
import { makeCredential } from './talkstack/credentials.js';
import { UpstreamScheduler } from './talkstack/scheduler.js';

export const GRAPHQL_PATH = '/graphql';
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

export interface ServerOptions {
  /** the query GraphiQL opens with */
  graphiqlDefaultQuery?: string;
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
  /** listens on `port`/`host` (defaults from config) and resolves with the base URL */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
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
  const fetchCall = callFetcher(client, logger);

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: '/health',
    landingPage: false,
    logging: yogaLoggerFrom(logger),
    context: createContextFactory({
      config,
      fetchCall,
      serviceCredential: makeCredential(undefined, config.talkstackApiKey),
    }),
    maskedErrors: { maskError },
    // The body limit is enforced in the Node HTTP layer (requestLimits.ts). Yoga's own limit
    // is on by default (25 MB) and pipes every body through a TransformStream and a stream
    // pipeline: measured, more than half of this server's CPU per single-call request.
    maxRequestBodySize: false,
    graphiql: config.graphiql
      ? {
          title: 'Talkstack calls · GraphiQL',
          defaultQuery: options.graphiqlDefaultQuery ?? GENERIC_DEFAULT_QUERY,
          subscriptionsProtocol: 'SSE',
        }
      : false,
    renderGraphiQL: renderGraphiQLPage,
    plugins: [
      // Browsers may send GETs and "simple" POSTs cross-site without a preflight: those must
      // carry this header. JSON POSTs (GraphiQL, fetch clients, SSE) are unaffected.
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
      useOperationLimits(config),
      ...introspectionPlugins(config.introspection),
    ],
  });

  const http = createHttpServer((req, res) => {
    if (refuseOversized(req, res, config.maxBodyBytes)) return;
    if (config.graphiql && serveGraphiQLAsset(req, res)) return;
    if (hasUndeclaredBody(req)) {
      void readLimitedBody(req, res, config.maxBodyBytes).then((ok) => {
        if (ok) void yoga(req, res);
      });
      return;
    }
    void yoga(req, res);
  });

  return {
    config,
    yoga,
    http,
    scheduler,
    sharedFetches: fetchCall,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          const address = http.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        http.close(() => {
          void client.close().then(() => resolve());
        });
        http.closeAllConnections();
      });
    },
  };
}

/**
 * The GraphQL edge: Yoga on `/graphql` (POST, GET, SSE subscriptions, GraphiQL) with this
 * server's schema, context, error masking and plugins. The Node layer (http/router.ts) hands it
 * requests; the WebSocket transport (websocket/graphqlWs.ts) runs operations through the same
 * envelop.
 */
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import { type GraphiQLPageSettings, graphiqlOptionsFactory } from '../graphiql/graphiqlOptions.js';
import { renderGraphiQLPage } from '../graphiql/graphiqlPage.js';
import { boundedParserCache } from '../limits/parseCache.js';
import { type Logger, yogaLoggerFrom } from '../logging/logger.js';
import type { Context, ContextFactory } from './context.js';
import { maskError } from './errorMasking.js';

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

export type GraphQLHandler = YogaServerInstance<Record<string, never>, Context>;

export interface GraphQLHandlerOptions {
  schema: GraphQLSchema;
  context: ContextFactory;
  logger: Logger;
  /** in their order (graphql/plugins.ts) */
  plugins: Plugin[];
  /** GraphiQL's page title and example tabs (a function is called at each page load); undefined: not served */
  graphiql?: { title: string; tabs: GraphiQLPageSettings['tabs'] } | undefined;
}

export function createGraphQLHandler({ schema, context, logger, plugins, graphiql }: GraphQLHandlerOptions): GraphQLHandler {
  return createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: HEALTH_PATH,
    landingPage: false,
    logging: yogaLoggerFrom(logger),
    context,
    maskedErrors: { maskError },
    // CORS is answered in the Node HTTP layer (http/cors.ts): Yoga's would allow every origin.
    cors: false,
    // The body limit is enforced in the Node HTTP layer (requestLimits.ts). Yoga's own limit
    // is on by default (25 MB) and pipes every body through a TransformStream and a stream
    // pipeline: measured, more than half of this server's CPU per single-call request.
    maxRequestBodySize: false,
    // Bounded by memory, not only by count: near-limit documents are big (limits/parseCache.ts).
    parserAndValidationCache: boundedParserCache(),
    graphiql: graphiql ? graphiqlOptionsFactory({ ...graphiql, csrfHeader: CSRF_HEADER }) : false,
    renderGraphiQL: renderGraphiQLPage,
    plugins,
  });
}

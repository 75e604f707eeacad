/**
 * Baseline 1: Apollo Server 5 + @apollo/datasource-rest, "the usual way" from Apollo's docs:
 * `startStandaloneServer`, a RESTDataSource per request in the context function, a subgraph
 * schema from `buildSubgraphSchema`. No dedup, no limiter, no cache beyond the defaults
 * (RESTDataSource never caches or deduplicates POSTs). Subscriptions are not served.
 * UPSTREAM_CONCURRENCY does not apply: RESTDataSource's default fetch (node-fetch 2) uses
 * Node's global agent, which keeps connections alive but does not limit how many it opens.
 * Without NODE_ENV=production, Apollo puts stack traces (and, for upstream errors,
 * RESTDataSource the upstream URL and body) into error responses.
 *
 * Run: TALKSTACK_API_URL=http://127.0.0.1:PORT npx tsx bench/baselines/apollo-rest/main.ts
 *
 * Clients must POST with `content-type: application/json`: Apollo's CSRF prevention (on by
 * default) rejects text/plain, form and multipart bodies, and GETs without a content-type,
 * unless they carry `apollo-require-preflight` or `x-apollo-operation-name`. The standalone
 * server answers GraphQL on every path (/graphql included).
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { announce, credentialHeaders, exitOnSignals, loadSdl, readSettings } from '../common.js';
import { createResolvers, type ContextValue } from './resolvers.js';
import { TalkstackAPI } from './talkstackAPI.js';

const settings = readSettings();

const server = new ApolloServer<ContextValue>({
  schema: buildSubgraphSchema([{ typeDefs: parse(loadSdl()), resolvers: createResolvers(settings.defaultProjectId) }]),
  // Apollo would stop on SIGTERM/SIGINT itself and then re-raise the signal (exit code 143/130);
  // the benchmark contract wants exit 0, so common.ts handles the signals.
  stopOnTerminationSignals: false,
  // Apollo's default logger (loglevel, level INFO) prints "Enabling inline tracing for this
  // subgraph…" to stdout at start; the benchmark contract wants stdout to hold only the
  // listening line, so the same levels go to stderr instead. Inline tracing itself stays on
  // (it only works when a gateway sends `apollo-federation-include-trace: ftv1`).
  logger: {
    debug: () => {},
    info: (message?: unknown) => console.error(message),
    warn: (message?: unknown) => console.error(message),
    error: (message?: unknown) => console.error(message),
  },
});

const { url } = await startStandaloneServer(server, {
  listen: { port: settings.port, host: settings.host },
  context: async ({ req }) => {
    const { cache } = server;
    return {
      dataSources: {
        talkstack: new TalkstackAPI({
          baseURL: settings.talkstackApiUrl,
          cache,
          credentials: credentialHeaders((name) => req.headers[name]),
        }),
      },
    };
  },
});

announce(settings.host, Number(new URL(url).port));
// stop() drains and closes the HTTP server (startStandaloneServer installs the drain plugin).
exitOnSignals(() => server.stop());

/**
 * Baseline 2: a bare graphql-yoga 5 server, the framework's own floor. Same subgraph schema
 * (`buildSubgraphSchema`, so `_entities` works), Yoga's default plugins only, one plain
 * undici `Pool#request` per field (no dedup, no limiter beyond the pool, no cache).
 * Subscriptions are not served. GraphQL is at /graphql.
 *
 * Run: TALKSTACK_API_URL=http://127.0.0.1:PORT npx tsx bench/baselines/yoga-minimal/main.ts
 */
import { createServer } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { announce, closeServer, credentialHeaders, exitOnSignals, listen, loadSdl, portOf, readSettings } from '../common.js';
import { createResolvers, type ContextValue } from './resolvers.js';
import { createTalkstack } from './talkstack.js';

const settings = readSettings();
const talkstack = createTalkstack(settings.talkstackApiUrl, settings.upstreamConcurrency);

const yoga = createYoga<Record<string, never>, ContextValue>({
  schema: buildSubgraphSchema([{ typeDefs: parse(loadSdl()), resolvers: createResolvers(talkstack, settings.defaultProjectId) }]),
  context: ({ request }) => ({ credentials: credentialHeaders((name) => request.headers.get(name)) }),
  graphiql: false,
  landingPage: false,
});

const server = createServer(yoga);
await listen(server, settings.port, settings.host);
announce(settings.host, portOf(server));

exitOnSignals(async () => {
  await closeServer(server);
  await talkstack.close();
});

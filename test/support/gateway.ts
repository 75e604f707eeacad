/**
 * A real federation gateway (Hive Gateway's runtime) composed from this subgraph's committed
 * SDL and other subgraphs, over real HTTP, configured with the `gateway.config.ts` of docs/federation.md
 * (`gatewayConfig` below; a test keeps the two identical). It records every request it sends
 * to a subgraph.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime, type GatewayConfigBase } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { type SseMessage, sseMessages } from './sse.js';

export const CALLS_SDL = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

/** This file's own text, for the test that compares `gatewayConfig` with docs/federation.md and docs/clients.md. */
export const GATEWAY_SOURCE = readFileSync(new URL(import.meta.url), 'utf8');

type GatewayOptions = GatewayConfigBase<Record<string, unknown>>;

// The Hive Gateway CLI's `defineConfig` only types its argument; this one does the same, so
// the block below reads exactly like the `gateway.config.ts` of docs/federation.md.
const defineConfig = (config: GatewayOptions): GatewayOptions => config;

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request, subgraphName }) {
      if (subgraphName !== 'calls') return;
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'x-api-key']) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
  transportEntries: {
    calls: {
      // Subscriptions too go as JSON POSTs (by default a GET, which CSRF prevention refuses).
      options: { method: 'POST' },
    },
  },
});

/**
 * The configuration (docs/clients.md) for subscribing to this subgraph over WebSocket
 * (`@graphql-mesh/transport-ws`; "WebSocket (graphql-ws), Apollo Client and Apollo
 * Router", a test keeps the two identical): queries as above, subscriptions over
 * `graphql-transport-ws` with the client's credential in `connection_init`.
 */
export const webSocketGatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request, subgraphName }) {
      if (subgraphName !== 'calls') return;
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'x-api-key']) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
  transportEntries: {
    calls: {
      options: {
        method: 'POST',
        subscriptions: {
          kind: 'ws',
          options: {
            // One WebSocket per distinct credential; absent headers are left out.
            connectionParams: {
              'x-api-key': '{context.headers.x-api-key}',
              authorization: '{context.headers.authorization}',
            },
          },
        },
      },
    },
  },
});

export interface SubgraphService {
  name: string;
  typeDefs: string;
  url: string;
}

export interface SubgraphRequest {
  subgraph: string;
  method: string;
  accept: string | undefined;
  contentType: string | undefined;
  query: string;
  variables: Record<string, unknown> | undefined;
}

export interface Gateway {
  url: string;
  supergraphSdl: string;
  /** requests the gateway sent to subgraphs, in order */
  subgraphRequests: SubgraphRequest[];
  close(): Promise<void>;
}

export function compose(services: SubgraphService[]) {
  return composeServices(services.map(({ name, typeDefs, url }) => ({ name, typeDefs: parse(typeDefs), url })));
}

/** A GraphQL request as the gateway's fetch sees it: JSON in a POST body, or in a GET's query string. */
function operationOf(url: string, body: unknown): { query: string; variables?: Record<string, unknown> | undefined } | undefined {
  if (typeof body === 'string') return JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
  const params = new URL(url).searchParams;
  const query = params.get('query');
  if (query === null) return undefined;
  const variables = params.get('variables');
  return { query, variables: variables ? (JSON.parse(variables) as Record<string, unknown>) : undefined };
}

const withoutQueryString = (url: string) => url.split('?')[0] ?? url;

/** Starts a gateway with the configuration of docs/federation.md; `overrides` replace parts of it (to show what they are for). */
export async function startGateway(services: SubgraphService[], overrides: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const composition = compose(services);
  if (!composition.supergraphSdl) {
    throw new Error(`composition failed: ${(composition.errors ?? []).map((e) => e.message).join('; ')}`);
  }
  const urlToName = new Map(services.map((s) => [s.url, s.name]));
  const subgraphRequests: SubgraphRequest[] = [];
  const gateway = createGatewayRuntime({
    ...gatewayConfig,
    ...overrides,
    supergraph: composition.supergraphSdl,
    logging: false,
    plugins: () => [
      {
        onFetch({ url, options }) {
          const operation = operationOf(url, options.body);
          if (!operation) return;
          const headers = (options.headers ?? {}) as Record<string, string>;
          subgraphRequests.push({
            subgraph: urlToName.get(withoutQueryString(url)) ?? url,
            method: options.method ?? 'GET',
            accept: headers['accept'],
            contentType: headers['content-type'],
            query: operation.query,
            variables: operation.variables,
          });
        },
      },
    ],
  });
  const server: Server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    supergraphSdl: composition.supergraphSdl,
    subgraphRequests,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await gateway.dispose();
    },
  };
}

export type SseEvent = SseMessage;

/**
 * The events of a `text/event-stream` response as they arrive (GraphQL over SSE, distinct
 * connections mode: `next` events carrying a result, then `complete`). Comments (keep-alives)
 * are skipped. Stopping the iteration cancels the body, i.e. the client leaves.
 */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) return;
  yield* sseMessages(response.body);
}

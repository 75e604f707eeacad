/**
 * A real federation gateway (Hive Gateway's runtime) composed from this subgraph's committed
 * SDL and other subgraphs, over real HTTP. It records every request it sends to a subgraph,
 * and forwards the client's credential headers to the Calls subgraph, as the README tells
 * deployments to do.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';

export const CALLS_SDL = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

export interface SubgraphService {
  name: string;
  typeDefs: string;
  url: string;
}

export interface SubgraphRequest {
  subgraph: string;
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

export async function startGateway(services: SubgraphService[]): Promise<Gateway> {
  const composition = compose(services);
  if (!composition.supergraphSdl) {
    throw new Error(`composition failed: ${(composition.errors ?? []).map((e) => e.message).join('; ')}`);
  }
  const urlToName = new Map(services.map((s) => [s.url, s.name]));
  const subgraphRequests: SubgraphRequest[] = [];
  const gateway = createGatewayRuntime({
    supergraph: composition.supergraphSdl,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs({ request, subgraphName }) {
        if (subgraphName !== 'calls') return;
        const headers: Record<string, string> = {};
        const authorization = request.headers.get('authorization');
        const apiKey = request.headers.get('x-api-key');
        if (authorization) headers['authorization'] = authorization;
        if (apiKey) headers['x-api-key'] = apiKey;
        return headers;
      },
    },
    plugins: () => [
      {
        onFetch({ url, options }) {
          const body = typeof options.body === 'string' ? (JSON.parse(options.body) as { query: string; variables?: Record<string, unknown> }) : undefined;
          if (body) subgraphRequests.push({ subgraph: urlToName.get(url) ?? url, query: body.query, variables: body.variables });
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

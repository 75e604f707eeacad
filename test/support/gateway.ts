/**
 * A real federation gateway (Hive Gateway's runtime) composed from this subgraph's committed
 * SDL and other subgraphs, over real HTTP, configured with the `gateway.config.ts` block of
 * docs/federation.md, read from the page and evaluated (`gatewayConfig` below). It records every request it sends
 * to a subgraph.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGatewayRuntime, type GatewayConfigBase } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { docBlocks, docPage } from './docBlocks.js';
import { type SseMessage, sseMessages } from './sse.js';

export const CALLS_SDL = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

type GatewayOptions = GatewayConfigBase<Record<string, unknown>>;

/** A `gateway.config.ts` block read from a docs page, and where it is. */
export interface GatewayConfigBlock {
  where: string;
  body: string;
}

function gatewayConfigBlock(page: string, exported: string): GatewayConfigBlock {
  const block = docBlocks(docPage(page)).find(
    (candidate) =>
      candidate.lang === 'ts' &&
      candidate.body.startsWith("import { defineConfig } from '@graphql-hive/gateway';") &&
      candidate.body.includes(`export const ${exported} = defineConfig(`),
  );
  if (!block) throw new Error(`${page}: no ts block exporting ${exported} from defineConfig`);
  return { where: `${page}:${block.line}`, body: block.body };
}

/**
 * Evaluates a docs block as its reader would run it: the block, verbatim, as a .ts module next to
 * a stub `@graphql-hive/gateway` whose `defineConfig` is the identity (the CLI's only types its
 * argument), imported, and its export returned.
 */
async function evaluateGatewayConfig(block: GatewayConfigBlock, exported: string): Promise<GatewayOptions> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
  try {
    const stub = join(dir, 'node_modules', '@graphql-hive', 'gateway');
    mkdirSync(stub, { recursive: true });
    writeFileSync(join(stub, 'package.json'), JSON.stringify({ name: '@graphql-hive/gateway', type: 'module', exports: './index.js' }));
    writeFileSync(join(stub, 'index.js'), 'export const defineConfig = (config) => config;\n');
    const file = join(dir, 'gateway.config.ts');
    writeFileSync(file, block.body);
    const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Record<string, unknown>;
    const config = module[exported];
    if (!config || typeof config !== 'object') throw new Error(`${block.where}: no ${exported} exported`);
    return config as GatewayOptions;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** docs/federation.md's `gateway.config.ts` block, which every gateway of these tests runs (evaluated below). */
export const GATEWAY_CONFIG_BLOCK = gatewayConfigBlock('docs/federation.md', 'gatewayConfig');
/** docs/clients.md's WebSocket gateway block ("WebSocket (graphql-ws), Apollo Client and Apollo Router"). */
export const WEBSOCKET_GATEWAY_CONFIG_BLOCK = gatewayConfigBlock('docs/clients.md', 'webSocketGatewayConfig');

/** The configuration of docs/federation.md, evaluated from the page. */
export const gatewayConfig = await evaluateGatewayConfig(GATEWAY_CONFIG_BLOCK, 'gatewayConfig');

/**
 * The configuration (docs/clients.md, evaluated from the page) for subscribing to this subgraph
 * over WebSocket (`@graphql-mesh/transport-ws`): queries as above, subscriptions over
 * `graphql-transport-ws` with the client's credential in `connection_init`.
 */
export const webSocketGatewayConfig = await evaluateGatewayConfig(WEBSOCKET_GATEWAY_CONFIG_BLOCK, 'webSocketGatewayConfig');

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

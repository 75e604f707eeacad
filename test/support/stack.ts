/**
 * Test harness: a simulator and a server, each on its own loopback port, talking real HTTP.
 * Every test file starts its own isolated pair; nothing is shared between files.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Config } from '../../src/config/config.js';
import { configWith } from './config.js';
import { createLogger } from '../../src/logging/logger.js';
import { createServer, type CallsServer, type ServerOptions } from '../../src/app.js';
import {
  DEMO_ACCOUNT,
  DEMO_API_KEY,
  DEMO_PROJECT_ID,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  body: {
    data?: TData | null;
    errors?: Array<{ message: string; path?: (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }>;
  };
  headers: Headers;
}

export interface Stack {
  sim: Simulator;
  server: CallsServer;
  /** base URL of the GraphQL server, e.g. http://127.0.0.1:1234 */
  url: string;
  /** every log line the server wrote (JSON text), at debug level and above */
  logs: string[];
  /** POSTs an operation to /graphql; sends the demo key unless `headers` says otherwise */
  gql<TData = Record<string, unknown>, TVariables = Record<string, unknown>>(
    query: string | TypedDocumentNode<TData, TVariables>,
    variables?: TVariables,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
  /**
   * Headers of a new key of the demo account (its calls, another tenant): a test that makes
   * Talkstack fail, refuse or ration its calls uses one, so its 429s and failures never pause
   * or open the breaker of the demo key that the other tests of the file share.
   */
  tenant(): Record<string, string>;
  close(): Promise<void>;
}

let tenants = 0;

export interface StackOptions {
  config?: Partial<Config>;
  simulator?: SimulatorOptions;
  server?: ServerOptions;
  /** headers sent by `gql` by default; the demo key unless given */
  defaultHeaders?: Record<string, string>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = await startSimulator({ seedDemo: true, ...options.simulator });
  const config = configWith({
    host: '127.0.0.1',
    port: 0,
    talkstackApiUrl: sim.url,
    talkstackProjectId: DEMO_PROJECT_ID,
    // Fast retries keep fault tests short; individual tests raise these when they need to.
    upstreamTimeoutMs: 2000,
    ...options.config,
  });
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const server = createServer(config, { logger, ...options.server });
  const url = await server.listen(0, '127.0.0.1');
  const defaultHeaders = options.defaultHeaders ?? { 'x-api-key': DEMO_API_KEY };

  return {
    sim,
    server,
    url,
    logs,
    async gql(query, variables, headers) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(headers ?? defaultHeaders) },
        body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] } as never;
    },
    tenant() {
      const key = `test-tenant-${process.pid}-${++tenants}`;
      sim.addCredentials(DEMO_ACCOUNT, { apiKeys: [key] });
      return { 'x-api-key': key };
    },
    async close() {
      await server.close();
      await sim.close();
    },
  };
}

/** The `extensions.code` of each error, in order. */
export const codesOf = (response: GraphQLResponse<unknown>) => (response.body.errors ?? []).map((e) => e.extensions?.code);

/**
 * The server in process, never listening: requests go through `server.yoga.fetch` (Yoga and
 * its plugins, not the Node layer of http/router.ts: no CORS, body size, request head or fast
 * path for settled answers). For unit tests of what Yoga answers without any upstream: limits,
 * validation, CSRF prevention, masking of refused operations, introspection.
 *
 * The upstream is a closed port (retries off): should an operation reach it, its fields fail.
 * `lookups()` counts the calls asked of the fetch pipeline, so "nothing executes" is checked
 * where it happens.
 */
import type { Config } from '../../src/config/config.js';
import { createServer, type CallsServer, type ServerOptions } from '../../src/app.js';
import { createLogger } from '../../src/logging/logger.js';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../src/simulator/index.js';
import { configWith } from './config.js';

export interface InProcessAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; path?: (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }>;
  };
}

export interface InProcessServer {
  server: CallsServer;
  /** every log line the server wrote (JSON text) */
  logs: string[];
  /** POST /graphql with this raw body; JSON, the demo key, `accept: application/json` unless `headers` says otherwise */
  post(body: string, headers?: Record<string, string>): Promise<InProcessAnswer>;
  /** POST /graphql of `{ query, variables }` */
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<InProcessAnswer>;
  /** GET `path` (default /graphql) with these search parameters; the demo key and `accept: application/json` */
  get(search: Record<string, string>, headers?: Record<string, string>, path?: string): Promise<InProcessAnswer>;
  /** calls asked of the fetch pipeline so far (memory cache hits and misses) */
  lookups(): number;
}

/** A closed port: nothing listens there. */
const NO_UPSTREAM = 'http://127.0.0.1:9';
const BASE = 'http://calls.test';

async function answerOf(response: Response): Promise<InProcessAnswer> {
  const text = await response.text();
  let body: InProcessAnswer['body'] = {};
  try {
    body = JSON.parse(text) as InProcessAnswer['body'];
  } catch {
    // not JSON (GraphiQL's page, a 405): `text` says what it is
  }
  return { status: response.status, headers: response.headers, text, body };
}

export function inProcessServer(overrides: Partial<Config> = {}, options: ServerOptions = {}): InProcessServer {
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  // The cache of final calls counts every lookup: it must be on for `lookups()`.
  const server = createServer(configWith({ talkstackApiUrl: NO_UPSTREAM, talkstackProjectId: DEMO_PROJECT_ID, upstreamRetries: 0, ...overrides }), { logger, ...options });
  // The GraphQL-over-HTTP media type: a refused document is 400 (with `application/json` it is
  // 200: limits/refusalStatus.ts, tested on its own in unit/limits/refusalStatus.test.ts).
  const defaults = { accept: 'application/graphql-response+json', 'x-api-key': DEMO_API_KEY };
  const post = async (body: string, headers: Record<string, string> = {}) =>
    answerOf(await server.yoga.fetch(new Request(`${BASE}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...defaults, ...headers }, body })));
  return {
    server,
    logs,
    post,
    gql: (query, variables, headers) => post(JSON.stringify({ query, variables }), headers),
    async get(search, headers = {}, path = '/graphql') {
      const query = new URLSearchParams(search).toString();
      return answerOf(await server.yoga.fetch(new Request(`${BASE}${path}${query ? `?${query}` : ''}`, { headers: { ...defaults, ...headers } })));
    },
    lookups() {
      const { hit, miss } = server.stats().fetch.memory;
      return hit + miss;
    },
  };
}

/** The `extensions.code` of each error, in order. */
export const codesOf = (answer: InProcessAnswer) => (answer.body.errors ?? []).map((error) => error.extensions?.code);

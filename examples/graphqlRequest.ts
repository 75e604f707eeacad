/**
 * The dashboards' request helper, on ky: one GraphQL request over HTTP with a generated, typed
 * document, so `data.calls[0].durationSeconds` is a `number | null`, not `unknown`. Runs in Node
 * and in browsers (the web example's server hands ky to the page from node_modules).
 *
 * - a timeout per try (`timeoutMs`, default 10 s);
 * - retries (`retries`, default 2) of network errors and of 502/503/504 from a proxy or a
 *   draining instance, honouring their `Retry-After`. GraphQL queries are safe to repeat, so
 *   POST is retried too (ky retries no POST by default);
 * - the credential (`apiKey`, sent as `x-api-key`) set by a `beforeRequest` hook, on each try;
 * - with `trusted`, only the document's hash goes on the wire (PERSISTED_OPERATIONS_ONLY).
 *
 * A 4xx or 5xx carrying GraphQL errors (a refused document, a limit) is an answer to show,
 * not a crash: it is returned like a 200.
 *
 * Rows that failed for now (`RATE_LIMITED`, `TOO_MANY_REQUESTS`, `UPSTREAM_UNAVAILABLE`) say
 * when to ask again (`extensions.retryAfterMs`): `retryLaterRows` lists them and `askAgain`
 * re-asks them once, after that delay (bounded), as an increment for `CallTable.apply`.
 */
import ky, { HTTPError, type Options } from 'ky';
import type { GraphQLErrorShape, IncrementalPayload } from './callTable.js';
import { DashboardPageDocument, type DashboardPageQuery, type TypedDocumentString } from './generated/graphql.js';

export interface GraphQLAnswer<TData> {
  data?: TData | null;
  errors?: GraphQLErrorShape[];
}

export interface RequestOptions {
  /** e.g. http://localhost:4000/graphql */
  url: string;
  /** the credential, sent as `x-api-key` by a `beforeRequest` hook (a function: read at each try) */
  apiKey?: string | (() => string | undefined);
  /** sent as they are (e.g. `authorization` for a bearer credential) */
  headers?: Record<string, string>;
  /** send the document's hash instead of its text */
  trusted?: boolean;
  signal?: AbortSignal;
  /** each try's timeout (default 10000) */
  timeoutMs?: number;
  /** tries after the first, for network errors and 502/503/504 (default 2) */
  retries?: number;
  /** the longest `Retry-After` honoured, ms (default 10000) */
  maxRetryAfterMs?: number;
  /** another fetch (tests, a proxy agent) */
  fetch?: typeof fetch;
}

/** The codes of entries that failed for now and carry `extensions.retryAfterMs`. */
export const RETRY_LATER_CODES = ['RATE_LIMITED', 'TOO_MANY_REQUESTS', 'UPSTREAM_UNAVAILABLE'] as const;
export type RetryLaterCode = (typeof RETRY_LATER_CODES)[number];

/** The request body for a document: its text, or with `trusted` its persisted-document id. */
export function requestBody<TData, TVariables>(
  document: TypedDocumentString<TData, TVariables>,
  variables: TVariables,
  trusted = false,
): Record<string, unknown> {
  if (!trusted) return { query: document.toString(), variables };
  const hash = document.__meta__?.['hash'] as string | undefined;
  if (!hash) throw new Error('this document has no hash: run npm run codegen (persistedDocuments in codegen.ts)');
  return { documentId: hash, variables };
}

/** ky's options for one request: the timeout, the retries and the credential hook. */
export function kyOptions(options: RequestOptions): Options {
  const { apiKey } = options;
  return {
    method: 'post',
    timeout: options.timeoutMs ?? 10_000,
    retry: {
      limit: options.retries ?? 2,
      // GraphQL queries are safe to repeat: POST is retried (not by ky's default).
      methods: ['post', 'get'],
      // A proxy's 502/504 or a draining instance's 503; 429 is the API's own answer, per entry.
      statusCodes: [502, 503, 504],
      afterStatusCodes: [502, 503, 504],
      maxRetryAfter: options.maxRetryAfterMs ?? 10_000,
      backoffLimit: 2000,
    },
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...options.headers },
    hooks: {
      beforeRequest: [
        (request) => {
          const key = typeof apiKey === 'function' ? apiKey() : apiKey;
          if (key) request.headers.set('x-api-key', key);
        },
      ],
    },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}

export async function graphqlRequest<TData, TVariables>(
  document: TypedDocumentString<TData, TVariables>,
  variables: TVariables,
  options: RequestOptions,
): Promise<GraphQLAnswer<TData>> {
  let response: Response;
  try {
    response = await ky(options.url, { ...kyOptions(options), body: JSON.stringify(requestBody(document, variables, options.trusted)) });
  } catch (error) {
    // Not retried, or out of tries: an answer with GraphQL errors is still an answer.
    if (!(error instanceof HTTPError)) throw error;
    response = error.response;
  }
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLAnswer<TData>;
  } catch {
    throw new Error(`${options.url} answered ${response.status} with no GraphQL response: ${text.slice(0, 200)}`);
  }
}

/** The entries of a page to ask again, and when. */
export interface RetryLater {
  /** their indexes in the page's sids */
  indexes: number[];
  sids: string[];
  /** the largest `extensions.retryAfterMs` among them (0 when none said) */
  afterMs: number;
  codes: RetryLaterCode[];
}

const isRetryLater = (code: unknown): code is RetryLaterCode => (RETRY_LATER_CODES as readonly unknown[]).includes(code);

/**
 * The rows of a `calls` answer (or of its `@stream` increments) that failed for now: the sids
 * to ask again and after how long. An error of the whole request with such a code (a tenant
 * refused outright) concerns every row. Undefined when there is none.
 */
export function retryLaterRows(answer: IncrementalPayload | GraphQLAnswer<unknown>, sids: readonly string[]): RetryLater | undefined {
  const errors = [...(answer.errors ?? []), ...(('incremental' in answer ? answer.incremental : undefined) ?? []).flatMap((part) => part.errors ?? [])];
  const indexes = new Set<number>();
  const codes = new Set<RetryLaterCode>();
  let afterMs = 0;
  for (const error of errors) {
    const code = error.extensions?.code;
    if (!isRetryLater(code)) continue;
    const [field, index] = error.path ?? [];
    if (field === 'calls' && typeof index === 'number') {
      if (index >= sids.length) continue;
      indexes.add(index);
    } else {
      sids.forEach((_, i) => indexes.add(i));
    }
    codes.add(code);
    const wait = error.extensions?.['retryAfterMs'];
    if (typeof wait === 'number' && wait > afterMs) afterMs = wait;
  }
  if (indexes.size === 0) return undefined;
  const sorted = [...indexes].sort((a, b) => a - b);
  return { indexes: sorted, sids: sorted.map((i) => sids[i] ?? ''), afterMs, codes: [...codes] };
}

export interface AskAgainOptions extends RequestOptions {
  /** asks nothing when the wait would be longer (default 5000 ms) */
  maxWaitMs?: number;
}

/**
 * Asks the rows of `later` once more after `later.afterMs`, with DashboardPage. The answer
 * comes back as an increment at the rows' own indexes (what `CallTable.apply` takes), or
 * undefined when the wait is over `maxWaitMs`. A row may fail again: it is shown as it is.
 */
export async function askAgain(later: RetryLater, options: AskAgainOptions): Promise<IncrementalPayload | undefined> {
  if (later.afterMs > (options.maxWaitMs ?? 5000)) return undefined;
  await sleep(later.afterMs, options.signal);
  const answer = await graphqlRequest(DashboardPageDocument, { sids: later.sids }, options);
  const calls: DashboardPageQuery['calls'] = answer.data?.calls ?? [];
  const at = (index: unknown) => (typeof index === 'number' ? later.indexes[index] : undefined);
  const pageErrors: GraphQLErrorShape[] = [];
  const rowErrors = new Map<number, GraphQLErrorShape[]>();
  for (const error of answer.errors ?? []) {
    const [field, index] = error.path ?? [];
    const row = field === 'calls' ? at(index) : undefined;
    if (row === undefined) pageErrors.push(error);
    else rowErrors.set(row, [...(rowErrors.get(row) ?? []), { ...error, path: ['calls', row] }]);
  }
  return {
    ...(pageErrors.length > 0 ? { errors: pageErrors } : {}),
    incremental: later.indexes.map((row, i) => ({
      items: calls.length > i ? [calls[i] ?? null] : [],
      path: ['calls', row],
      ...(rowErrors.has(row) ? { errors: rowErrors.get(row) } : {}),
    })),
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * PERSISTED_OPERATIONS_ONLY: only the documents of the manifest (trustedManifest.ts) run,
 * asked for by hash, as the top-level `documentId` (`"sha256:<hex>"` or `"<hex>"`: the client
 * preset's and GraphQL over HTTP's persisted documents) or Apollo's
 * `extensions.persistedQuery` (`{ version: 1, sha256Hash: "<hex>" }`), in a POST body or a
 * GET query string. Everything else gets HTTP 400 `PERSISTED_QUERY_NOT_FOUND` before it is
 * parsed, so it costs no upstream request.
 *
 * One exception: a gateway composing the supergraph asks `{ _service { sdl } }` as a plain
 * query, so a document whose only root fields are `_service` (and `__typename`) is allowed.
 * `_entities` is not: a gateway sends it with whatever selection its clients asked for, so a
 * subgraph cannot tell a trusted one (trusted documents belong at the gateway then).
 *
 * Over HTTP (POST, GET, SSE) Yoga's persisted-operations plugin swaps the hash for the
 * document in `onParams`, before the document size and operation limits, which then apply to
 * trusted documents as to any other. GraphQL over WebSocket skips `onParams`, so its
 * `onSubscribe` asks `trustedDocumentFor` (graphqlWs.ts): the same rule, the same code.
 *
 * Off, none of this exists: the plugin list (graphql/plugins.ts) leaves `useTrustedDocuments` out.
 */
import { type CustomErrorFactory, usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { type DocumentNode, GraphQLError, Kind, parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { digestOf, type TrustedDocuments } from './trustedManifest.js';

export const PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND';

/** Gateways send `{ _service { sdl } }` or a named query of it; anything longer is not one. */
const MAX_COMPOSITION_QUERY_LENGTH = 512;
const MAX_COMPOSITION_QUERY_TOKENS = 64;

const refusal = (message: string) => () =>
  new GraphQLError(message, { extensions: { code: PERSISTED_QUERY_NOT_FOUND, http: { status: 400 } } });

const textRefused = refusal(
  'This server runs trusted documents only: send the hash of a document of its manifest (documentId, or extensions.persistedQuery.sha256Hash), not a query text.',
);
const noHash = refusal(
  'This server runs trusted documents only: the request names no valid document hash (documentId "sha256:<hex>", or extensions.persistedQuery with version 1 and sha256Hash).',
);
const unknownHash = refusal('No trusted document has this hash.');

/** What a request or a WebSocket `subscribe` payload may carry. */
interface AskedFor {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

/** The id a request asks for, unchecked: `documentId`, else an APQ `persistedQuery` of version 1. */
function askedId(params: AskedFor): unknown {
  if (params.documentId != null) return params.documentId;
  const extensions = params.extensions;
  if (extensions === null || typeof extensions !== 'object') return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (persisted === null || typeof persisted !== 'object') return undefined;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  return version === 1 ? sha256Hash : undefined;
}

/** Yoga parses no `documentId` out of a GET query string: read from the URL, only when it has one. */
function documentIdOfUrl(request: Request): string | undefined {
  if (request.method !== 'GET' || !request.url.includes('documentId=')) return undefined;
  return new URL(request.url).searchParams.get('documentId') ?? undefined;
}

/** A document asking nothing but `_service` (and `__typename`) at its root: what composition needs. */
export function isCompositionQuery(text: string): boolean {
  if (text.length > MAX_COMPOSITION_QUERY_LENGTH || !text.includes('_service')) return false;
  let document: DocumentNode;
  try {
    document = parse(text, { noLocation: true, maxTokens: MAX_COMPOSITION_QUERY_TOKENS });
  } catch {
    return false;
  }
  const [operation, ...others] = document.definitions;
  if (others.length > 0 || operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return false;
  let asksService = false;
  for (const selection of operation.selectionSet.selections) {
    // A fragment at the root could reach any field of Query.
    if (selection.kind !== Kind.FIELD) return false;
    if (selection.name.value === '_service') asksService = true;
    else if (selection.name.value !== '__typename') return false;
  }
  return asksService;
}

const isQueryText = (query: unknown): boolean => query !== undefined && query !== null && query !== '';

/**
 * For transports that skip Yoga's `onParams` (WebSocket): the document text to run for
 * `params`, or the refusal, exactly as over HTTP.
 */
export function trustedDocumentFor(documents: TrustedDocuments, params: AskedFor): string | GraphQLError {
  const { query } = params;
  if (isQueryText(query)) return typeof query === 'string' && isCompositionQuery(query) ? query : textRefused();
  const digest = digestOf(askedId(params));
  if (digest === undefined) return noHash();
  return documents.get(digest) ?? unknownHash();
}

/**
 * Trusted documents over HTTP: this plugin's `onParams` refuses query texts (composition
 * queries aside), then Yoga's persisted-operations plugin, added right after it, swaps the hash
 * for the document.
 */
export function useTrustedDocuments(documents: TrustedDocuments): Plugin {
  // Requests whose query text is a composition query; the persisted-operations plugin's
  // arbitrary-operations check is given only the request, so `onParams` decides for it.
  const compositionQueries = new WeakSet<Request>();
  const asError = (factory: () => GraphQLError): CustomErrorFactory => factory;
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        usePersistedOperations({
          allowArbitraryOperations: (request) => compositionQueries.has(request),
          extractPersistedOperationId: (params, request) => digestOf((params as AskedFor).documentId ?? documentIdOfUrl(request) ?? askedId(params)) ?? null,
          getPersistedOperation: (digest) => documents.get(digest) ?? null,
          // The plugin's own codes (PERSISTED_QUERY_NOT_IN_LIST, …) come with HTTP 200: the
          // contract's one code and 400 for every refusal instead (APQ clients know this code).
          customErrors: { notFound: asError(unknownHash), keyNotFound: asError(noHash), persistedQueryOnly: asError(textRefused) },
        }),
      );
    },
    onParams({ params, request }) {
      if (params === null || typeof params !== 'object') throw noHash();
      const { query } = params as AskedFor;
      if (!isQueryText(query)) return;
      if (typeof query === 'string' && isCompositionQuery(query)) compositionQueries.add(request);
      else throw textRefused();
    },
  };
}

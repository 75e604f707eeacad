/**
 * One GraphQL request over HTTP with a generated, typed document: the answer is typed by the
 * document itself, so `data.calls[0].durationSeconds` is a `number | null`, not `unknown`.
 * With `trusted`, only the document's hash goes on the wire (the server's
 * PERSISTED_OPERATIONS_ONLY mode); otherwise its text. fetch only: runs in Node and browsers.
 */
import type { TypedDocumentString } from './generated/graphql.js';
import type { GraphQLErrorShape } from './callTable.js';

export interface GraphQLAnswer<TData> {
  data?: TData | null;
  errors?: GraphQLErrorShape[];
}

export interface RequestOptions {
  /** e.g. http://localhost:4000/graphql */
  url: string;
  /** sent as they are: `x-api-key` or `authorization` for a credential of your own */
  headers?: Record<string, string>;
  /** send the document's hash instead of its text */
  trusted?: boolean;
  signal?: AbortSignal;
}

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

export async function graphqlRequest<TData, TVariables>(
  document: TypedDocumentString<TData, TVariables>,
  variables: TVariables,
  options: RequestOptions,
): Promise<GraphQLAnswer<TData>> {
  const response = await fetch(options.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...options.headers },
    body: JSON.stringify(requestBody(document, variables, options.trusted)),
    signal: options.signal ?? null,
  });
  const text = await response.text();
  let answer: GraphQLAnswer<TData>;
  try {
    answer = JSON.parse(text) as GraphQLAnswer<TData>;
  } catch {
    throw new Error(`${options.url} answered ${response.status} with no GraphQL response: ${text.slice(0, 200)}`);
  }
  // 4xx with GraphQL errors (a refused document, a limit) is an answer to show, not a crash.
  return answer;
}

/**
 * MAX_DOCUMENT_BYTES: a query document (the `query` text, comments included, UTF-8 bytes)
 * over the limit is refused with HTTP 400 `GRAPHQL_VALIDATION_FAILED` before it is parsed.
 *
 * Refused in Yoga's `onParams`, the first hook that sees the document (POST and GET alike),
 * so it never reaches the parser nor Yoga's parse cache, which keeps every document it parses,
 * keyed by the whole text (see parseCache.ts for what bounds that cache); `onParse` refuses
 * it too, for transports that do not go through `onParams`.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { VALIDATION_FAILED } from './operationLimits.js';
import { refusedOperationHttp } from './refusalStatus.js';

/** The UTF-8 length of `text` is over `max`, without encoding it when its length decides. */
export function utf8LengthOver(text: string, max: number): boolean {
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes (a surrogate pair, two units, is 4).
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text, 'utf8') > max;
}

export function useDocumentSizeLimit(maxDocumentBytes: number): Plugin {
  const refusal = () =>
    new GraphQLError(`The query document is larger than ${maxDocumentBytes} bytes (MAX_DOCUMENT_BYTES).`, {
      extensions: { code: VALIDATION_FAILED, http: refusedOperationHttp() },
    });
  return {
    onParams({ params, setResult }) {
      const { query } = params;
      if (typeof query === 'string' && utf8LengthOver(query, maxDocumentBytes)) setResult({ errors: [refusal()] });
    },
    // Transports that skip Yoga's request handling (GraphQL over WebSocket parses through the
    // enveloped `parse` directly) meet the limit here. Thrown before the parse cache's own hook
    // (registered after every plugin of ours) has run, so such a document is not cached either.
    onParse({ params: { source } }) {
      if (utf8LengthOver(typeof source === 'string' ? source : source.body, maxDocumentBytes)) throw refusal();
    },
  };
}

/**
 * The HTTP status of a refused operation (contract: "HTTP status of refused operations"), in
 * one place. A document that does not parse, does not validate (the limits included) or whose
 * variables do not coerce is 400 for a client that accepts `application/graphql-response+json`,
 * and 200 with the same errors for one that gets `application/json` (asked alone, through
 * `*` `/*`, or with no Accept: Apollo Client 3, curl), as GraphQL over HTTP recommends, so
 * such clients can read the errors instead of a bare "status code 400". Yoga reads `spec: true`
 * as exactly that rule. Everything else refused before execution (PERSISTED_QUERY_NOT_FOUND,
 * bodies, headers, CSRF) keeps its 4xx for both, with no `spec`.
 */

/** `extensions.http` of a parse, validation or variable error (a fresh object: Yoga edits it in place). */
export const refusedOperationHttp = (): { spec: boolean; status: number } => ({ spec: true, status: 400 });

/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment CallRow on Call {\n  sid\n  status\n  upstreamStatus\n  isFinal\n  from\n  to\n  date\n  durationSeconds\n  cost\n  recordings {\n    url\n    format\n  }\n}": typeof types.CallRowFragmentDoc,
    "query DashboardPage($sids: [ID!]!, $projectId: ID) {\n  calls(sids: $sids, projectId: $projectId) {\n    ...CallRow\n  }\n}": typeof types.DashboardPageDocument,
    "query DashboardPageStreamed($sids: [ID!]!, $projectId: ID) {\n  calls(sids: $sids, projectId: $projectId) @stream(initialCount: 0) {\n    ...CallRow\n  }\n}": typeof types.DashboardPageStreamedDocument,
    "subscription LiveCalls($sids: [ID!]!, $projectId: ID) {\n  callsUpdates(sids: $sids, projectId: $projectId) {\n    ...CallRow\n  }\n}": typeof types.LiveCallsDocument,
};
const documents: Documents = {
    "fragment CallRow on Call {\n  sid\n  status\n  upstreamStatus\n  isFinal\n  from\n  to\n  date\n  durationSeconds\n  cost\n  recordings {\n    url\n    format\n  }\n}": types.CallRowFragmentDoc,
    "query DashboardPage($sids: [ID!]!, $projectId: ID) {\n  calls(sids: $sids, projectId: $projectId) {\n    ...CallRow\n  }\n}": types.DashboardPageDocument,
    "query DashboardPageStreamed($sids: [ID!]!, $projectId: ID) {\n  calls(sids: $sids, projectId: $projectId) @stream(initialCount: 0) {\n    ...CallRow\n  }\n}": types.DashboardPageStreamedDocument,
    "subscription LiveCalls($sids: [ID!]!, $projectId: ID) {\n  callsUpdates(sids: $sids, projectId: $projectId) {\n    ...CallRow\n  }\n}": types.LiveCallsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment CallRow on Call {\n  sid\n  status\n  upstreamStatus\n  isFinal\n  from\n  to\n  date\n  durationSeconds\n  cost\n  recordings {\n    url\n    format\n  }\n}"): typeof import('./graphql.js').CallRowFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DashboardPage($sids: [ID!]!, $projectId: ID) {\n  calls(sids: $sids, projectId: $projectId) {\n    ...CallRow\n  }\n}"): typeof import('./graphql.js').DashboardPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DashboardPageStreamed($sids: [ID!]!, $projectId: ID) {\n  calls(sids: $sids, projectId: $projectId) @stream(initialCount: 0) {\n    ...CallRow\n  }\n}"): typeof import('./graphql.js').DashboardPageStreamedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription LiveCalls($sids: [ID!]!, $projectId: ID) {\n  callsUpdates(sids: $sids, projectId: $projectId) {\n    ...CallRow\n  }\n}"): typeof import('./graphql.js').LiveCallsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

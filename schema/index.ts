/**
 * The assembled schema: importing the type modules registers them with the builder (each
 * takes its resolvers from resolvers/), then the builder prints a Federation 2 subgraph.
 */
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import { refuseUnknownEntityTypes } from '../resolvers/entityTypes.js';
import './types/Call.js';
import './types/Query.js';
import './types/Subscription.js';
import { describeFederationInternals } from './federationDescriptions.js';

export const schema: GraphQLSchema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
  federationDirectives: ['@key'],
});
refuseUnknownEntityTypes(schema);
describeFederationInternals(schema);
/**
 * The schema's own description, the first thing GraphiQL's docs explorer shows (Yoga's
 * GraphiQL introspects with `schemaDescription`). Set on the built schema: the federation
 * plugin's `toSubGraphSchema` builds a new schema and drops one given to it. The subgraph
 * SDL (`_service { sdl }`, schema/schema.graphql) starts with `extend schema` and prints none.
 */
export const SCHEMA_DESCRIPTION =
  'Talkstack call data for dashboards, a Federation 2 subgraph: read calls by sid (`call`, `calls`) and follow them as they change (`callUpdates`, `callsUpdates`). ' +
  'Names starting with an underscore (`_entities`, `_service`, `_Any`, `_Entity`, `_Service`) are federation internals, for a gateway composing this subgraph, not for clients.';
schema.description = SCHEMA_DESCRIPTION;

/** The subgraph SDL, as `_service { sdl }` serves it and `schema/schema.graphql` stores it. */
export const printSubgraphSDL = (): string => printSubgraphSchema(schema);

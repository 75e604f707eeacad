/**
 * The assembled schema: importing the type and resolver modules registers them with the
 * builder, then the builder prints a Federation 2 subgraph.
 */
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './types/Call.js';
import '../resolvers/query.js';
import '../resolvers/subscription.js';
import '../resolvers/callEntity.js';
import { refuseUnknownEntityTypes } from '../resolvers/entityTypes.js';
import { describeFederationInternals } from './federationDescriptions.js';

export const schema: GraphQLSchema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
  federationDirectives: ['@key'],
});
refuseUnknownEntityTypes(schema);
describeFederationInternals(schema);

/** The subgraph SDL, as `_service { sdl }` serves it and `schema/schema.graphql` stores it. */
export const printSubgraphSDL = (): string => printSubgraphSchema(schema);

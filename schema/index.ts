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

/** The subgraph SDL, as `_service { sdl }` serves it and `schema/schema.graphql` stores it. */
export const printSubgraphSDL = (): string => printSubgraphSchema(schema);

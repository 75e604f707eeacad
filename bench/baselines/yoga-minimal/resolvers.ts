/** The bare Yoga's resolvers: one plain upstream call per field, with the request's credentials. */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { createCallResolvers } from '../callResolvers.js';
import type { Talkstack } from './talkstack.js';

export interface ContextValue {
  /** the request's `x-api-key` / `authorization`, forwarded as they are */
  credentials: Record<string, string>;
}

export const createResolvers = (talkstack: Talkstack, defaultProjectId: string | undefined): GraphQLResolverMap<ContextValue> =>
  createCallResolvers<ContextValue>((sid, projectId, { credentials }) => talkstack.getCall(sid, projectId, credentials), defaultProjectId);

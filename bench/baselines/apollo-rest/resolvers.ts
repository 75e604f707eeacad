/** Apollo style: the resolvers read the request's data source from `context.dataSources`. */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { createCallResolvers } from '../callResolvers.js';
import type { TalkstackAPI } from './talkstackAPI.js';

export interface ContextValue {
  dataSources: { talkstack: TalkstackAPI };
}

export const createResolvers = (defaultProjectId: string | undefined): GraphQLResolverMap<ContextValue> =>
  createCallResolvers<ContextValue>((sid, projectId, { dataSources }) => dataSources.talkstack.getCall(sid, projectId), defaultProjectId);

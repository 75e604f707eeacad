/**
 * Resolvers for the subgraph SDL, Apollo style: fields read `context.dataSources`. Each
 * `call`, each entry of `calls` and each `_entities` representation is one upstream POST.
 * The body is decoded and mapped with the project's own `decodeCall` / `mapCall`, so this
 * baseline differs from the product in framework and data path, not in mapping code.
 */
// @apollo/subgraph has no exports map; its resolver-map type lives in dist/.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { GraphQLError } from 'graphql';
import {
  DateTimeResolver,
  JSONObjectResolver,
  NonNegativeFloatResolver,
  NonNegativeIntResolver,
  PhoneNumberResolver,
  URLResolver,
} from 'graphql-scalars';
import type { Call } from '../../../src/calls/call.js';
import { mapCall } from '../../../src/calls/mapCall.js';
import { decodeCall } from '../../../src/talkstack/decode.js';
import type { TalkstackAPI } from './talkstackAPI.js';

export interface ContextValue {
  dataSources: { talkstack: TalkstackAPI };
}

interface CallArgs {
  sid: string;
  projectId?: string | null;
}

interface CallsArgs {
  sids: string[];
  projectId?: string | null;
}

interface CallReference {
  projectId: string;
  sid: string;
}

async function loadCall(api: TalkstackAPI, sid: string, projectId: string): Promise<Call | null> {
  const body = await api.getCall(sid, projectId);
  if (body === null) return null;
  const decoded = decodeCall(body);
  if (!decoded) throw new GraphQLError('Talkstack answered with something that is not a call.');
  return mapCall({ sid, projectId }, decoded);
}

export function createResolvers(defaultProjectId: string | undefined): GraphQLResolverMap<ContextValue> {
  const projectOf = (projectId: string | null | undefined): string => {
    const project = projectId ?? defaultProjectId;
    if (!project) {
      throw new GraphQLError('projectId is required: pass it, or set TALKSTACK_PROJECT_ID.', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return project;
  };

  return {
    Query: {
      call: (_parent: unknown, { sid, projectId }: CallArgs, { dataSources }: ContextValue) =>
        loadCall(dataSources.talkstack, sid, projectOf(projectId)),
      calls: (_parent: unknown, { sids, projectId }: CallsArgs, { dataSources }: ContextValue) => {
        const project = projectOf(projectId);
        return sids.map((sid) => loadCall(dataSources.talkstack, sid, project));
      },
    },
    Call: {
      __resolveReference: (reference: CallReference, { dataSources }: ContextValue) =>
        loadCall(dataSources.talkstack, reference.sid, reference.projectId),
    },
    DateTime: DateTimeResolver,
    JSONObject: JSONObjectResolver,
    NonNegativeFloat: NonNegativeFloatResolver,
    NonNegativeInt: NonNegativeIntResolver,
    PhoneNumber: PhoneNumberResolver,
    URL: URLResolver,
  };
}

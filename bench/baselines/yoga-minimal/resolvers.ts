/**
 * Resolvers for the subgraph SDL: each `call`, each entry of `calls` and each `_entities`
 * representation is one upstream call. Bodies go through the project's `decodeCall` and
 * `mapCall`, as in the product.
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
import type { Talkstack } from './talkstack.js';

export interface ContextValue {
  /** the request's `x-api-key` / `authorization`, forwarded as they are */
  credentials: Record<string, string>;
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

export function createResolvers(talkstack: Talkstack, defaultProjectId: string | undefined): GraphQLResolverMap<ContextValue> {
  const projectOf = (projectId: string | null | undefined): string => {
    const project = projectId ?? defaultProjectId;
    if (!project) {
      throw new GraphQLError('projectId is required: pass it, or set TALKSTACK_PROJECT_ID.', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return project;
  };

  const loadCall = async (sid: string, projectId: string, { credentials }: ContextValue): Promise<Call | null> => {
    const body = await talkstack.getCall(sid, projectId, credentials);
    if (body === null) return null;
    const decoded = decodeCall(body);
    if (!decoded) throw new GraphQLError('Talkstack answered with something that is not a call.');
    return mapCall({ sid, projectId }, decoded);
  };

  return {
    Query: {
      call: (_parent: unknown, { sid, projectId }: CallArgs, context: ContextValue) => loadCall(sid, projectOf(projectId), context),
      calls: (_parent: unknown, { sids, projectId }: CallsArgs, context: ContextValue) => {
        const project = projectOf(projectId);
        return sids.map((sid) => loadCall(sid, project, context));
      },
    },
    Call: {
      __resolveReference: (reference: CallReference, context: ContextValue) => loadCall(reference.sid, reference.projectId, context),
    },
    DateTime: DateTimeResolver,
    JSONObject: JSONObjectResolver,
    NonNegativeFloat: NonNegativeFloatResolver,
    NonNegativeInt: NonNegativeIntResolver,
    PhoneNumber: PhoneNumberResolver,
    URL: URLResolver,
  };
}

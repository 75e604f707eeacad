/**
 * The resolvers both GraphQL baselines serve, over the subgraph SDL: each `call`, each entry of
 * `calls` and each `_entities` representation is one upstream call through `getCall` (the
 * baseline's own data path). Bodies go through the project's `decodeCall` and `mapCall`, so the
 * baselines differ from the product in framework and data path, not in mapping code.
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
import type { Call } from '../../src/calls/call.js';
import { mapCall } from '../../src/calls/mapCall.js';
import { decodeCall } from '../../src/talkstack/decode.js';

/** One upstream call: the raw body, or null for a 404. */
export type GetCall<TContext> = (sid: string, projectId: string, context: TContext) => Promise<unknown>;

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

export function createCallResolvers<TContext>(getCall: GetCall<TContext>, defaultProjectId: string | undefined): GraphQLResolverMap<TContext> {
  const projectOf = (projectId: string | null | undefined): string => {
    const project = projectId ?? defaultProjectId;
    if (!project) {
      throw new GraphQLError('projectId is required: pass it, or set TALKSTACK_PROJECT_ID.', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return project;
  };

  const loadCall = async (sid: string, projectId: string, context: TContext): Promise<Call | null> => {
    const body = await getCall(sid, projectId, context);
    if (body === null) return null;
    const decoded = decodeCall(body);
    if (!decoded) throw new GraphQLError('Talkstack answered with something that is not a call.');
    return mapCall({ sid, projectId }, decoded);
  };

  return {
    Query: {
      call: (_parent: unknown, { sid, projectId }: CallArgs, context: TContext) => loadCall(sid, projectOf(projectId), context),
      calls: (_parent: unknown, { sids, projectId }: CallsArgs, context: TContext) => {
        const project = projectOf(projectId);
        return sids.map((sid) => loadCall(sid, project, context));
      },
    },
    Call: {
      __resolveReference: (reference: CallReference, context: TContext) => loadCall(reference.sid, reference.projectId, context),
    },
    DateTime: DateTimeResolver,
    JSONObject: JSONObjectResolver,
    NonNegativeFloat: NonNegativeFloatResolver,
    NonNegativeInt: NonNegativeIntResolver,
    PhoneNumber: PhoneNumberResolver,
    URL: URLResolver,
  };
}

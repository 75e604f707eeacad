/** The `Query` root fields' resolvers (schema/types/Query.ts declares the fields). */
import type { GraphQLResolveInfo } from 'graphql';
import type { Call } from '../src/calls/call.js';
import type { Context } from '../src/graphql/context.js';
import { loadCall, loadCalls } from './callLookup.js';

export const resolveCall = (
  _root: unknown,
  { sid, projectId }: { sid: string | number; projectId?: string | number | null },
  ctx: Context,
  info: GraphQLResolveInfo,
): Promise<Call | null> => loadCall(ctx, sid, projectId, info);

export const resolveCalls = (
  _root: unknown,
  { sids, projectId }: { sids: readonly (string | number)[]; projectId?: string | number | null },
  ctx: Context,
  info: GraphQLResolveInfo,
): Promise<Call | null>[] => loadCalls(ctx, sids, projectId, info);

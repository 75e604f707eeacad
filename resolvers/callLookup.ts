/**
 * The one way resolvers obtain calls: validate the arguments, require a credential, ask the
 * operation's loader. `call`, `calls`, `_entities` and `callUpdates` all come through here,
 * so they share batching, deduplication and the per-operation cap.
 */
import type { Call, CallAddress } from '../src/calls/call.js';
import { callAddress, projectIdOf } from '../src/calls/callAddress.js';
import type { CallLoader } from '../src/calls/callLoader.js';
import type { Context } from '../src/context.js';
import { rethrowCoded } from '../src/errorMasking.js';
import { UnauthenticatedError } from '../src/errors.js';
import { CancelledError } from '../src/talkstack/cancellation.js';

// The client has gone: nobody reads this result, so build no error for it.
const goneOrCoded = (error: unknown): null => (error instanceof CancelledError ? null : rethrowCoded(error));

type ProjectArg = string | number | null | undefined;

export function loaderOf(ctx: Context): CallLoader {
  if (!ctx.calls) {
    throw new UnauthenticatedError(
      'No Talkstack credential: send an Authorization or x-api-key header, or set TALKSTACK_API_KEY on the server.',
    );
  }
  return ctx.calls;
}

const projectOf = (ctx: Context, projectId: ProjectArg) =>
  projectIdOf(projectId == null ? undefined : String(projectId), ctx.config.talkstackProjectId);

export const addressOf = (ctx: Context, sid: string | number, projectId: ProjectArg): CallAddress =>
  callAddress(String(sid), projectOf(ctx, projectId));

/** One call. Rejects (never throws synchronously) with coded errors. */
export async function loadCall(ctx: Context, sid: string | number, projectId: ProjectArg): Promise<Call | null> {
  try {
    return await loaderOf(ctx).load(addressOf(ctx, sid, projectId));
  } catch (error) {
    return goneOrCoded(error);
  }
}

/**
 * Many calls of one project, in input order. A missing project or credential fails the whole
 * field (at once); a malformed sid fails only its own entry.
 */
export function loadCalls(ctx: Context, sids: readonly (string | number)[], projectId: ProjectArg): Promise<Call | null>[] {
  let project: string;
  let loader: CallLoader;
  try {
    project = projectOf(ctx, projectId);
    loader = loaderOf(ctx);
  } catch (error) {
    return rethrowCoded(error);
  }
  return sids.map(async (sid) => {
    try {
      return await loader.load(callAddress(String(sid), project));
    } catch (error) {
      return goneOrCoded(error);
    }
  });
}

/**
 * The one way resolvers obtain calls: validate the arguments, require a credential, ask the
 * operation's loader. `call`, `calls`, `_entities` and the subscriptions all come through here,
 * so they share batching, deduplication and the per-operation cap.
 *
 * Failures are domain errors (src/calls/callDataErrors.ts), coded at the edge
 * (src/graphql/errorMasking.ts). They cost per distinct failure, not per entry: entries of one
 * operation that fail alike (a thousand malformed sids, every duplicate of a failed call) share
 * one error object, from which the executor makes each entry's located error. A fresh error per
 * entry meant a stack trace captured and formatted per entry: measured, nearly all of the cost
 * of such a request.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { Call, CallAddress } from '../src/calls/call.js';
import { callAddress, isWellFormedSid, MALFORMED_SID, projectIdOf, type Reject } from '../src/calls/callAddress.js';
import { BadUserInputError, UnauthenticatedError } from '../src/calls/callDataErrors.js';
import type { CallLoader } from '../src/fetch/callLoader.js';
import type { Context } from '../src/graphql/context.js';
import { noteResolved } from '../src/graphql/responseSize.js';
import { recordIfStale } from '../src/graphql/staleExtensions.js';
import { CancelledError } from '../src/talkstack/cancellation.js';

type ProjectArg = string | number | null | undefined;

// The operation's input errors by message, keyed by its context: nothing outlives the operation.
const inputErrorsByOperation = new WeakMap<Context, Map<string, BadUserInputError>>();

/** The operation's one input error with this message. */
const rejectOnce =
  (ctx: Context): Reject =>
  (message) => {
    let errors = inputErrorsByOperation.get(ctx);
    if (!errors) inputErrorsByOperation.set(ctx, (errors = new Map()));
    let error = errors.get(message);
    if (!error) errors.set(message, (error = new BadUserInputError(message)));
    return error;
  };

/** A call resolved for a field: counted toward the answer's size, and noted when it is a stale answer. */
function settledFor(ctx: Context, info: GraphQLResolveInfo, index: number | undefined, call: Call | null): Call | null {
  if (call === null) return call;
  noteResolved(ctx, call);
  return recordIfStale(ctx, info, index, call);
}

/** A failed lookup settles to nothing when the client has gone (nobody reads it), else fails with its error. */
const failedLookup = (error: unknown): null => {
  if (error instanceof CancelledError) return null;
  throw error;
};

export function loaderOf(ctx: Context): CallLoader {
  if (!ctx.calls) {
    throw new UnauthenticatedError(
      'No Talkstack credential: send an Authorization or x-api-key header, or set TALKSTACK_API_KEY on the server.',
    );
  }
  return ctx.calls;
}

const projectOf = (ctx: Context, projectId: ProjectArg) =>
  projectIdOf(projectId == null ? undefined : String(projectId), ctx.config.talkstackProjectId, rejectOnce(ctx));

export const addressOf = (ctx: Context, sid: string | number, projectId: ProjectArg): CallAddress =>
  callAddress(String(sid), projectOf(ctx, projectId), rejectOnce(ctx));

/** One call. Rejects (never throws synchronously). */
/**
 * One call, at `info`'s path (and `index` within it: an `_entities` entry). Rejects (never
 * throws synchronously). A stale answer is noted for `extensions.stale` on the way.
 */
export function loadCall(ctx: Context, sid: string | number, projectId: ProjectArg, info: GraphQLResolveInfo, index?: number): Promise<Call | null> {
  let pending: Promise<Call | null>;
  try {
    pending = loaderOf(ctx).load(addressOf(ctx, sid, projectId));
  } catch (error) {
    pending = Promise.reject(error);
  }
  return pending.then((call) => settledFor(ctx, info, index, call), failedLookup);
}

/**
 * Many calls of one project, in input order. A missing or malformed project, or a missing
 * credential, fails the whole field at once (one error, however long the list); a malformed
 * sid fails only its own entry.
 */
export function loadCalls(ctx: Context, sids: readonly (string | number)[], projectId: ProjectArg, info: GraphQLResolveInfo): Promise<Call | null>[] {
  const project = projectOf(ctx, projectId);
  const loader = loaderOf(ctx);
  let malformed: Promise<never> | undefined;
  return sids.map((sid, index) => {
    const text = String(sid);
    if (isWellFormedSid(text)) return loader.load({ projectId: project, sid: text }).then((call) => settledFor(ctx, info, index, call), failedLookup);
    if (!malformed) {
      malformed = refuseInput(ctx, MALFORMED_SID);
      // Every entry gets its own handler from the executor; this one only keeps the shared
      // promise from counting as unhandled should the executor never get to an entry.
      malformed.catch(() => undefined);
    }
    return malformed;
  });
}

/** A lookup refused for bad input: the operation's one error with this message, as a rejection. */
export function refuseInput(ctx: Context, message: string): Promise<never> {
  return Promise.reject(rejectOnce(ctx)(message));
}

/**
 * The one way resolvers obtain calls: validate the arguments, require a credential, ask the
 * operation's loader. `call`, `calls`, `_entities` and `callUpdates` all come through here,
 * so they share batching, deduplication and the per-operation cap.
 *
 * Errors cost per distinct failure, not per entry. Entries of one operation that fail alike (a
 * thousand malformed sids, every duplicate of a failed call) share one coded error, from which
 * the executor makes each entry's located error. A fresh error per entry meant a stack trace
 * captured and formatted per entry: measured, nearly all of the cost of such a request.
 */
import type { Call, CallAddress } from '../src/calls/call.js';
import { callAddress, isWellFormedSid, MALFORMED_SID, projectIdOf, type Reject } from '../src/calls/callAddress.js';
import type { CallLoader } from '../src/calls/callLoader.js';
import type { Context } from '../src/context.js';
import { toGraphQLError } from '../src/errorMasking.js';
import { BadUserInputError, UnauthenticatedError } from '../src/errors.js';
import { CancelledError } from '../src/talkstack/cancellation.js';

type ProjectArg = string | number | null | undefined;

interface OperationErrors {
  /** input errors by message: their message is all they carry */
  readonly input: Map<string, BadUserInputError>;
  /** coded errors by the error they code */
  readonly coded: WeakMap<object, unknown>;
}

// Keyed by the operation's context, so nothing outlives the operation.
const errorsByOperation = new WeakMap<Context, OperationErrors>();

function errorsOf(ctx: Context): OperationErrors {
  let errors = errorsByOperation.get(ctx);
  if (!errors) {
    errors = { input: new Map(), coded: new WeakMap() };
    errorsByOperation.set(ctx, errors);
  }
  return errors;
}

/** The operation's one input error with this message. */
const rejectOnce =
  (ctx: Context): Reject =>
  (message) => {
    const { input } = errorsOf(ctx);
    let error = input.get(message);
    if (!error) {
      error = new BadUserInputError(message);
      input.set(message, error);
    }
    return error;
  };

/** `toGraphQLError(error)`, made once per operation and error. */
function codedOnce(ctx: Context, error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return toGraphQLError(error);
  const { coded } = errorsOf(ctx);
  let result = coded.get(error);
  if (result === undefined) {
    result = toGraphQLError(error);
    coded.set(error, result);
  }
  return result;
}

/** What a failed lookup settles to: nothing when the client has gone (nobody reads it), else its coded error. */
const failedLookup =
  (ctx: Context) =>
  (error: unknown): null => {
    if (error instanceof CancelledError) return null;
    throw codedOnce(ctx, error);
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

/** One call. Rejects (never throws synchronously) with coded errors. */
export function loadCall(ctx: Context, sid: string | number, projectId: ProjectArg): Promise<Call | null> {
  let pending: Promise<Call | null>;
  try {
    pending = loaderOf(ctx).load(addressOf(ctx, sid, projectId));
  } catch (error) {
    pending = Promise.reject(error as Error);
  }
  return pending.catch(failedLookup(ctx));
}

/**
 * Many calls of one project, in input order. A missing or malformed project, or a missing
 * credential, fails the whole field at once (one error, however long the list); a malformed
 * sid fails only its own entry.
 */
export function loadCalls(ctx: Context, sids: readonly (string | number)[], projectId: ProjectArg): Promise<Call | null>[] {
  let project: string;
  let loader: CallLoader;
  try {
    project = projectOf(ctx, projectId);
    loader = loaderOf(ctx);
  } catch (error) {
    throw codedOnce(ctx, error);
  }
  const failed = failedLookup(ctx);
  let malformed: Promise<never> | undefined;
  return sids.map((sid) => {
    const text = String(sid);
    if (isWellFormedSid(text)) return loader.load({ projectId: project, sid: text }).catch(failed);
    if (!malformed) {
      malformed = refuseInput(ctx, MALFORMED_SID);
      // Every entry gets its own handler from the executor; this one only keeps the shared
      // promise from counting as unhandled should the executor never get to an entry.
      malformed.catch(() => undefined);
    }
    return malformed;
  });
}

/** A lookup refused for bad input: the operation's one coded error with this message, as a rejection. */
export function refuseInput(ctx: Context, message: string): Promise<never> {
  return Promise.reject(codedOnce(ctx, rejectOnce(ctx)(message)) as Error);
}

/**
 * `callUpdates` and `callsUpdates` (schema/types/Subscription.ts declares the fields): both
 * watch calls through the server's shared pollers (ctx.pollers), under a lease of the
 * subscription registry (caps shared by SSE and WebSocket). Bad input, a missing credential,
 * too many calls or a cap fails in `subscribe`, before any poll: one error event, then the
 * stream completes.
 *
 * An error about one call (not found, three failed polls, a refused credential) is an event of
 * the stream, not its failure: the event's resolver throws that error, so graphql-js sends
 * `{data: null, errors}` for it and goes on with the other calls (`callsUpdates` names the
 * call: `extensions.sid`); a `callUpdates` has no other call, so it completes right after.
 */
import type { Call, CallAddress } from '../src/calls/call.js';
import { aboutCall, TooManyCallsError } from '../src/calls/callDataErrors.js';
import type { Context } from '../src/graphql/context.js';
import { noteResolved } from '../src/graphql/responseSize.js';
import { callKeyOf } from '../src/identity/keys.js';
import { openLeasedStream } from '../src/subscriptions/leasedStream.js';
import { isWatchError, type WatchEvent, watchCalls } from '../src/subscriptions/watchCalls.js';
import { addressOf, loaderOf } from './callLookup.js';

type ProjectArg = string | number | null | undefined;

/** Opens the stream of `addresses` (distinct) for the operation of `ctx`. */
function watch(ctx: Context, addresses: readonly CallAddress[]): AsyncIterableIterator<WatchEvent> {
  const credential = loaderOf(ctx).credential;
  const keys = addresses.map((address) => callKeyOf(credential, address));
  // Counted against every credential value it carries (its tenants): varying one header while
  // keeping the other escapes no cap. Its watched calls are its pollers, one per call key (the
  // exact header pair and the call).
  return openLeasedStream(ctx.subscriptions, { tenantIds: credential.tenantIds, calls: keys, transport: ctx.transport === 'ws' ? 'ws' : 'sse' }, ctx.signal, (signal) =>
    watchCalls({ pollers: ctx.pollers, keys, maxSeconds: ctx.config.callWatchMaxSeconds, signal }),
  );
}

export const subscribeCallUpdates = (_root: unknown, { sid, projectId }: { sid: string | number; projectId?: ProjectArg }, ctx: Context) =>
  watch(ctx, [addressOf(ctx, sid, projectId)]);

export function subscribeCallsUpdates(_root: unknown, { sids, projectId }: { sids: readonly (string | number)[]; projectId?: ProjectArg }, ctx: Context) {
  // Every sid is checked before anything is watched: one malformed sid fails it all.
  const distinct = new Map<string, CallAddress>();
  for (const sid of sids) {
    const address = addressOf(ctx, sid, projectId);
    distinct.set(address.sid, address);
  }
  // The list is the operation's calls (MAX_CALLS_PER_REQUEST); over it nothing is watched.
  if (distinct.size > ctx.config.maxCallsPerRequest) throw new TooManyCallsError(ctx.config.maxCallsPerRequest);
  return watch(ctx, [...distinct.values()]);
}

/** An event's call, counted toward the event's size (graphql/responseSize.ts). */
export function resolveCallEvent(event: WatchEvent, _args: unknown, ctx: Context): Call {
  if (isWatchError(event)) throw event.error;
  noteResolved(ctx, event.call);
  return event.call;
}

/** As `resolveCallEvent`, naming the call an error is about (`extensions.sid`). */
export function resolveCallsEvent(event: WatchEvent, _args: unknown, ctx: Context): Call {
  if (isWatchError(event)) throw aboutCall(event.error, event.address.sid);
  noteResolved(ctx, event.call);
  return event.call;
}

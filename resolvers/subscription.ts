/**
 * `callUpdates` and `callsUpdates`: both watch calls through the server's shared pollers
 * (ctx.pollers), under a lease of the subscription registry (caps shared by SSE and
 * WebSocket). Bad input, a missing credential, too many calls or a cap fails in `subscribe`,
 * before any poll: one error event, then the stream completes.
 *
 * An error about one call (not found, three failed polls, a refused credential) is an event
 * of the stream, not its failure: `resolve` throws that event's coded error, so graphql-js
 * sends `{data: null, errors}` for it and goes on with the other calls (`callsUpdates`, with
 * `extensions.sid`); a `callUpdates` has no other call, so it completes right after.
 */
import type { Call, CallAddress } from '../src/calls/call.js';
import { isWatchError, type WatchEvent, watchCalls } from '../src/calls/watchCall.js';
import type { Context } from '../src/context.js';
import { rethrowCoded, toGraphQLError } from '../src/errorMasking.js';
import { TooManyCallsError } from '../src/errors.js';
import { openLeasedStream } from '../src/subscriptions/leasedStream.js';
import { watchedCallKey } from '../src/subscriptions/subscriptionRegistry.js';
import type { Credential } from '../src/talkstack/credentials.js';
import { builder } from '../schema/builder.js';
import { CallRef } from '../schema/types/Call.js';
import { addressOf, loaderOf } from './callLookup.js';

/** Opens the stream of `addresses` (distinct) for the operation of `ctx`. */
function watch(ctx: Context, addresses: readonly CallAddress[]): AsyncIterableIterator<WatchEvent> {
  // loaderOf has thrown unless there is a credential.
  const credential = loaderOf(ctx).credential as Credential;
  // Counted per paying key (the tenant), not per exact header pair: one x-api-key sent with
  // ever-different junk Authorization values is still one credential's share. Its watched
  // calls are its pollers, per exact header pair (credential.id) and call.
  return openLeasedStream(
    ctx.subscriptions,
    {
      credentialId: credential.tenant,
      calls: addresses.map((address) => watchedCallKey(credential.id, address)),
      transport: ctx.transport === 'ws' ? 'ws' : 'sse',
    },
    ctx.signal,
    (signal) =>
      watchCalls({
        pollers: ctx.pollers,
        credential,
        addresses,
        maxSeconds: ctx.config.callWatchMaxSeconds,
        signal,
      }),
  );
}

builder.subscriptionType({});

builder.subscriptionField('callUpdates', (t) =>
  t.field({
    type: CallRef,
    description: 'The call now, then each time any of its fields changes; completes once it is final.',
    args: {
      sid: t.arg.id({ required: true }),
      projectId: t.arg.id({ required: false }),
    },
    subscribe: (_root, { sid, projectId }, ctx) => {
      try {
        return watch(ctx, [addressOf(ctx, sid, projectId)]);
      } catch (error) {
        return rethrowCoded(error);
      }
    },
    resolve: (event: WatchEvent): Call => {
      if (isWatchError(event)) throw toGraphQLError(event.error);
      return event.call;
    },
  }),
);

builder.subscriptionField('callsUpdates', (t) =>
  t.field({
    type: CallRef,
    description: 'Each call of the list now, then each one again whenever it changes; completes once all are final.',
    args: {
      sids: t.arg.idList({ required: true }),
      projectId: t.arg.id({ required: false }),
    },
    subscribe: (_root, { sids, projectId }, ctx) => {
      try {
        // Every sid is checked before anything is watched: one malformed sid fails it all.
        const distinct = new Map<string, CallAddress>();
        for (const sid of sids) {
          const address = addressOf(ctx, sid, projectId);
          distinct.set(address.sid, address);
        }
        // The list is the operation's calls (MAX_CALLS_PER_REQUEST); over it nothing is watched.
        if (distinct.size > ctx.config.maxCallsPerRequest) throw new TooManyCallsError(ctx.config.maxCallsPerRequest);
        return watch(ctx, [...distinct.values()]);
      } catch (error) {
        return rethrowCoded(error);
      }
    },
    resolve: (event: WatchEvent): Call => {
      if (isWatchError(event)) throw toGraphQLError(event.error, { sid: event.address.sid });
      return event.call;
    },
  }),
);

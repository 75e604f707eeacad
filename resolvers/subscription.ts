import type { Call } from '../src/calls/call.js';
import { watchCall } from '../src/calls/watchCall.js';
import { rethrowCoded } from '../src/errorMasking.js';
import { openLeasedStream } from '../src/subscriptions/leasedStream.js';
import { watchedCallKey } from '../src/subscriptions/subscriptionRegistry.js';
import type { Credential } from '../src/talkstack/credentials.js';
import { builder } from '../schema/builder.js';
import { CallRef } from '../schema/types/Call.js';
import { addressOf, loaderOf } from './callLookup.js';

/** Passes a stream through, turning its error (if any) into a coded GraphQL error. */
async function* coded(stream: AsyncGenerator<Call>): AsyncGenerator<Call> {
  try {
    yield* stream;
  } catch (error) {
    rethrowCoded(error);
  }
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
    // Bad input, a missing credential or a subscription cap fails here, before any stream is
    // opened: one error event, then the stream completes.
    subscribe: (_root, { sid, projectId }, ctx) => {
      try {
        const address = addressOf(ctx, sid, projectId);
        const loader = loaderOf(ctx);
        // Counted per paying key (the tenant), not per exact header pair: one x-api-key sent
        // with ever-different junk Authorization values is still one credential's share.
        // (loaderOf has thrown unless there is a credential.)
        const payer = (ctx.credential as Credential).tenant;
        return openLeasedStream(ctx.subscriptions, payer, [watchedCallKey(address)], ctx.signal, (signal) =>
          coded(
            watchCall({
              poll: () => {
                loader.forget(address);
                return loader.load(address);
              },
              intervalMs: ctx.config.callPollIntervalMs,
              maxSeconds: ctx.config.callWatchMaxSeconds,
              signal,
            }),
          ),
        );
      } catch (error) {
        return rethrowCoded(error);
      }
    },
    resolve: (call) => call,
  }),
);

import type { Call } from '../src/calls/call.js';
import { watchCall } from '../src/calls/watchCall.js';
import { rethrowCoded } from '../src/errorMasking.js';
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
    // Bad input or a missing credential fails here, before any stream is opened.
    subscribe: (_root, { sid, projectId }, ctx) => {
      try {
        const address = addressOf(ctx, sid, projectId);
        const loader = loaderOf(ctx);
        return coded(
          watchCall({
            poll: () => {
              loader.forget(address);
              return loader.load(address);
            },
            intervalMs: ctx.config.callPollIntervalMs,
            maxSeconds: ctx.config.callWatchMaxSeconds,
            signal: ctx.signal,
          }),
        );
      } catch (error) {
        return rethrowCoded(error);
      }
    },
    resolve: (call) => call,
  }),
);

import { watchCall } from '../src/calls/watchCall.js';
import { builder } from '../schema/builder.js';
import { CallRef } from '../schema/types/Call.js';
import { addressOf, loaderOf } from './callLookup.js';

builder.subscriptionType({});

builder.subscriptionField('callUpdates', (t) =>
  t.field({
    type: CallRef,
    description: 'The call now, then each time any of its fields changes; completes once it is final.',
    args: {
      sid: t.arg.id({ required: true }),
      projectId: t.arg.id({ required: false }),
    },
    // Bad input or a missing credential throws here, before any stream is opened.
    subscribe: (_root, { sid, projectId }, ctx) => {
      const address = addressOf(ctx, sid, projectId);
      const loader = loaderOf(ctx);
      return watchCall({
        poll: () => {
          loader.forget(address);
          return loader.load(address);
        },
        intervalMs: ctx.config.callPollIntervalMs,
        maxSeconds: ctx.config.callWatchMaxSeconds,
        signal: ctx.signal,
      });
    },
    resolve: (call) => call,
  }),
);

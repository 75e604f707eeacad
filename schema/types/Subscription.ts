import { resolveCallEvent, resolveCallsEvent, subscribeCallsUpdates, subscribeCallUpdates } from '../../resolvers/subscription.js';
import { builder } from '../builder.js';
import { CallRef } from './Call.js';

builder.subscriptionType({});

builder.subscriptionField('callUpdates', (t) =>
  t.field({
    type: CallRef,
    description: 'The call now, then each time any of its fields changes; completes once it is final.',
    args: {
      sid: t.arg.id({ required: true }),
      projectId: t.arg.id({ required: false }),
    },
    subscribe: subscribeCallUpdates,
    resolve: resolveCallEvent,
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
    subscribe: subscribeCallsUpdates,
    resolve: resolveCallsEvent,
  }),
);

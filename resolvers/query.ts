import { builder } from '../schema/builder.js';
import { CallRef } from '../schema/types/Call.js';
import { loadCall, loadCalls } from './callLookup.js';

builder.queryType({});

builder.queryField('call', (t) =>
  t.field({
    type: CallRef,
    nullable: true,
    description: 'One call; null when Talkstack does not know it (404).',
    args: {
      sid: t.arg.id({ required: true }),
      projectId: t.arg.id({ required: false }),
    },
    resolve: (_root, { sid, projectId }, ctx) => loadCall(ctx, sid, projectId),
  }),
);

builder.queryField('calls', (t) =>
  t.field({
    type: [CallRef],
    nullable: { list: false, items: true },
    description: 'Calls in input order, one entry per input sid (duplicates included); null where unknown.',
    args: {
      sids: t.arg.idList({ required: true }),
      projectId: t.arg.id({ required: false }),
    },
    resolve: (_root, { sids, projectId }, ctx) => loadCalls(ctx, sids, projectId),
  }),
);

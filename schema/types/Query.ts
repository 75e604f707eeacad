import { resolveCall, resolveCalls } from '../../resolvers/query.js';
import { builder } from '../builder.js';
import { CallRef } from './Call.js';

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
    resolve: resolveCall,
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
    resolve: resolveCalls,
  }),
);

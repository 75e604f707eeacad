import { resolveCallReference } from '../../resolvers/callEntity.js';
import type { Call } from '../../src/calls/call.js';
import { builder } from '../builder.js';
import { CallStatusEnum } from './CallStatus.js';
import { RecordingRef } from './Recording.js';
import { ShiftDataRef } from './ShiftData.js';

/** `Call` is a federation entity (its key below); references are loaded by `resolvers/callEntity.ts`. */
export const CallRef = builder.objectRef<Call>('Call').implement({
  description: 'A Talkstack call.',
  fields: (t) => ({
    sid: t.exposeID('sid'),
    projectId: t.exposeID('projectId'),
    status: t.expose('status', { type: CallStatusEnum }),
    upstreamStatus: t.exposeString('upstreamStatus', { description: 'the status string exactly as Talkstack sent it' }),
    isFinal: t.exposeBoolean('isFinal', { description: 'true once the status can no longer change' }),
    from: t.expose('from', { type: 'PhoneNumber', nullable: true }),
    to: t.expose('to', { type: 'PhoneNumber', nullable: true }),
    phoneNumber: t.expose('phoneNumber', { type: 'PhoneNumber', nullable: true }),
    date: t.expose('date', { type: 'DateTime', nullable: true, description: 'upstream `date`, as an ISO 8601 date-time' }),
    durationSeconds: t.expose('durationSeconds', { type: 'NonNegativeInt', nullable: true, description: 'upstream `seconds`' }),
    cost: t.expose('cost', { type: 'NonNegativeFloat', nullable: true }),
    recordings: t.expose('recordings', { type: [RecordingRef] }),
    shift: t.expose('shift', {
      type: ShiftDataRef,
      nullable: true,
      description: 'null when the call carries no shift reference and no shift answer',
    }),
    data: t.expose('data', { type: 'JSONObject', description: 'the raw upstream `data` object ({} when absent)' }),
    fetchedAt: t.expose('fetchedAt', {
      type: 'DateTime',
      description:
        'when Talkstack answered the state shown; older than the request when cached, shared or stale (only stale answers are listed in extensions.stale)',
    }),
  }),
});

builder.asEntity(CallRef, {
  key: builder.selection<{ projectId: string; sid: string }>('projectId sid'),
  resolveReference: (reference, ctx, info) => resolveCallReference(reference, ctx, info),
});

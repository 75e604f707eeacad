import { CALL_STATUSES, type CallStatus } from '../../src/calls/callStatus.js';
import { builder } from '../builder.js';

const descriptions: Record<CallStatus, string> = {
  QUEUED: 'Temporary: Talkstack has not triggered the call yet.',
  INITIATED: 'Temporary: the call is being set up.',
  RINGING: 'Temporary: the callee is being rung.',
  IN_PROGRESS: 'Temporary: the call is under way.',
  COMPLETED: 'Final: the call took place.',
  VOICEMAIL: 'Final: the call reached a voicemail.',
  BUSY: 'Final: the line was busy.',
  SILENCE: 'Final: closed after more than 6 s of silence.',
  FAILED: 'Final: the call could not be placed.',
  NO_ANSWER: 'Final: nobody answered.',
  CANCELED: 'Final: the call was canceled ("canceled" or "cancelled" upstream).',
  UNKNOWN: 'A status this server does not know yet; not final; see Call.upstreamStatus.',
};

export const CallStatusEnum = builder.enumType('CallStatus', {
  description: 'Lifecycle status of a call as Talkstack reports it.',
  values: Object.fromEntries(
    CALL_STATUSES.map((status) => [status, { value: status, description: descriptions[status] }]),
  ) as Record<CallStatus, { value: CallStatus; description: string }>,
});

/**
 * Calls for tests, in the two shapes the code passes around: an upstream body as decoded
 * (`TalkstackCall`) and a mapped `Call`. Everything is empty but what a test overrides.
 */
import type { Call } from '../../src/calls/call.js';
import type { TalkstackCall } from '../../src/talkstack/decode.js';

/** A decoded upstream call with everything empty but `status` ('completed'). */
export function decodedCall(overrides: Partial<TalkstackCall> = {}): TalkstackCall {
  return {
    status: 'completed',
    seconds: null,
    cost: null,
    from: null,
    to: null,
    phoneNumber: null,
    date: null,
    recordingUrls: [],
    callSid: null,
    partnerId: null,
    shiftId: null,
    assignmentId: null,
    data: {},
    ...overrides,
  };
}

/** A mapped call: BUSY (final, settled without duration or cost), everything else empty. */
export function mappedCall(overrides: Partial<Call> = {}): Call {
  return {
    sid: 'CA1',
    projectId: 'p',
    status: 'BUSY',
    upstreamStatus: 'busy',
    isFinal: true,
    from: null,
    to: null,
    phoneNumber: null,
    date: null,
    durationSeconds: null,
    cost: null,
    recordings: [],
    shift: null,
    data: {},
    fetchedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

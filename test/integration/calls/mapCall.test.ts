/**
 * The mapping rules end to end (contract: "Mapping rules"): simulator → client → decode → map →
 * GraphQL, for every status string the contract names: status, upstreamStatus, isFinal and every
 * field of finished and unfinished calls, unknown statuses, bodies with every optional field of
 * the wrong type or out of range (nulls, never an error), and the whole demo dataset in one
 * operation. (The rules on their own: test/unit/calls/mapCall.test.ts, callStatus.test.ts; a
 * body without a string status: test/integration/talkstack/errorClassification.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallStatus } from '../../../src/calls/callStatus.js';
import { DEMO_CALLS, DEMO_LIVE_SIDS, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { CallDocument, CallsDocument, type CallQuery } from '../../generated/operations.js';
import { startStack, type Stack } from '../../support/stack.js';

const RE_SID = 'RE0123456789abcdef0123456789abcdef';
const TWILIO_BASE = 'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings';
const TWILIO_MP3 = `${TWILIO_BASE}/${RE_SID}.mp3`;
const TWILIO_NO_EXT = `${TWILIO_BASE}/${RE_SID}`;

const FINAL: readonly CallStatus[] = ['COMPLETED', 'VOICEMAIL', 'BUSY', 'SILENCE', 'FAILED', 'NO_ANSWER', 'CANCELED'];

const FINISHED_STATUSES = ['completed', 'voicemail', 'busy', 'silence', 'failed', 'no-answer', 'canceled', 'cancelled'] as const;
const UNFINISHED_STATUSES = ['queued', 'initiated', 'ringing', 'in-progress'] as const;
const EXPECTED: Record<string, CallStatus> = {
  queued: 'QUEUED',
  initiated: 'INITIATED',
  ringing: 'RINGING',
  'in-progress': 'IN_PROGRESS',
  completed: 'COMPLETED',
  voicemail: 'VOICEMAIL',
  busy: 'BUSY',
  silence: 'SILENCE',
  failed: 'FAILED',
  'no-answer': 'NO_ANSWER',
  canceled: 'CANCELED',
  cancelled: 'CANCELED',
  'In Progress': 'IN_PROGRESS',
  COMPLETED: 'COMPLETED',
  NO_ANSWER: 'NO_ANSWER',
  transferred: 'UNKNOWN',
};

const sidFor = (prefix: string, status: string) => `${prefix}_${status.replace(/[^A-Za-z0-9]/g, '_')}`;

const FROM = '+14155550132';
const TO = '+15550100123';

function finishedBody(status: string, sid: string) {
  return {
    status,
    callSid: sid,
    from: FROM,
    to: TO,
    phoneNumber: TO,
    seconds: 42.9,
    cost: 0.0135,
    date: 'Tue, 30 Jan 2024 15:39:53 +0200',
    recordingUrls: [
      TWILIO_MP3,
      TWILIO_NO_EXT,
      'https://files.example.com/calls/x.wav',
      'https://files.example.com/calls/x.ogg',
      'not a url',
      '/relative.mp3',
      'ftp://files.example.com/x.mp3',
      42,
    ],
    partnerId: 'prt_12345',
    shiftId: 'shf_abc',
    assignmentId: 'asg_def',
    data: { employeeGoToWork: 'false', reasonOfCancellation: 'Sick', newDate: '' },
  };
}

function unfinishedBody(status: string, sid: string) {
  return { status, callSid: sid, from: FROM, to: TO, phoneNumber: TO };
}

type ApiCall = NonNullable<CallQuery['call']>;

function expectFinishedFields(call: ApiCall) {
  expect(call.from).toBe(FROM);
  expect(call.to).toBe(TO);
  expect(call.phoneNumber).toBe(TO);
  expect(call.durationSeconds).toBe(42);
  expect(call.cost).toBe(0.0135);
  expect(call.date).toBe('2024-01-30T13:39:53.000Z');
  expect(call.recordings).toEqual([
    { url: TWILIO_MP3, sid: RE_SID, format: 'MP3' },
    { url: TWILIO_NO_EXT, sid: RE_SID, format: 'WAV' },
    { url: 'https://files.example.com/calls/x.wav', sid: null, format: 'WAV' },
    { url: 'https://files.example.com/calls/x.ogg', sid: null, format: 'OTHER' },
  ]);
  expect(call.shift).toEqual({
    partnerId: 'prt_12345',
    shiftId: 'shf_abc',
    assignmentId: 'asg_def',
    employeeGoesToWork: false,
    cancellationReason: 'Sick',
    newDate: null,
  });
  expect(call.data).toEqual({ employeeGoToWork: 'false', reasonOfCancellation: 'Sick', newDate: '' });
}

function expectUnfinishedFields(call: ApiCall) {
  expect(call.from).toBe(FROM);
  expect(call.to).toBe(TO);
  expect(call.phoneNumber).toBe(TO);
  expect(call.durationSeconds).toBeNull();
  expect(call.cost).toBeNull();
  expect(call.date).toBeNull();
  expect(call.recordings).toEqual([]);
  expect(call.shift).toBeNull();
  expect(call.data).toEqual({});
}

describe('end to end over the simulator', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it.each([...FINISHED_STATUSES, 'COMPLETED', 'NO_ANSWER'])('finished %j: status, upstreamStatus, isFinal and every field', async (status) => {
    const sid = sidFor('CAfin', status);
    stack.sim.setCall(DEMO_PROJECT_ID, sid, finishedBody(status, sid));
    const response = await stack.gql(CallDocument, { sid });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const call = response.body.data?.call;
    expect(call).toBeTruthy();
    if (!call) return;
    expect(call.sid).toBe(sid);
    expect(call.projectId).toBe(DEMO_PROJECT_ID);
    expect(call.status).toBe(EXPECTED[status]);
    expect(call.upstreamStatus).toBe(status);
    expect(call.isFinal).toBe(true);
    expectFinishedFields(call);
  });

  it.each([...UNFINISHED_STATUSES, 'In Progress'])('unfinished %j: nulls, recordings [] and data {}', async (status) => {
    const sid = sidFor('CAunf', status);
    stack.sim.setCall(DEMO_PROJECT_ID, sid, unfinishedBody(status, sid));
    const response = await stack.gql(CallDocument, { sid });
    expect(response.body.errors).toBeUndefined();
    const call = response.body.data?.call;
    expect(call).toBeTruthy();
    if (!call) return;
    expect(call.status).toBe(EXPECTED[status]);
    expect(call.upstreamStatus).toBe(status);
    expect(call.isFinal).toBe(false);
    expectUnfinishedFields(call);
  });

  it('an unknown status with every field: UNKNOWN, not final, upstreamStatus as sent, fields mapped', async () => {
    const sid = 'CAunknown_with_fields';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, finishedBody('transferred', sid));
    const response = await stack.gql(CallDocument, { sid });
    expect(response.body.errors).toBeUndefined();
    const call = response.body.data?.call;
    expect(call).toMatchObject({ status: 'UNKNOWN', upstreamStatus: 'transferred', isFinal: false });
    if (call) expectFinishedFields(call);
  });

  it('an unknown status alone: UNKNOWN, not final, empty fields', async () => {
    const sid = 'CAunknown_alone';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, unfinishedBody('Some New Status', sid));
    const response = await stack.gql(CallDocument, { sid });
    expect(response.body.errors).toBeUndefined();
    const call = response.body.data?.call;
    expect(call).toMatchObject({ status: 'UNKNOWN', upstreamStatus: 'Some New Status', isFinal: false });
    if (call) expectUnfinishedFields(call);
  });

  it('every status of the contract in one `calls` operation, in input order', async () => {
    const statuses = [...UNFINISHED_STATUSES, ...FINISHED_STATUSES, 'transferred'];
    const sids = statuses.map((status) => sidFor('CAbatch', status));
    statuses.forEach((status, i) => {
      const sid = sids[i] as string;
      stack.sim.setCall(DEMO_PROJECT_ID, sid, (FINISHED_STATUSES as readonly string[]).includes(status) ? finishedBody(status, sid) : unfinishedBody(status, sid));
    });
    const response = await stack.gql(CallsDocument, { sids });
    expect(response.body.errors).toBeUndefined();
    const calls = response.body.data?.calls ?? [];
    expect(calls.map((call) => call?.sid)).toEqual(sids);
    expect(calls.map((call) => call?.status)).toEqual(statuses.map((status) => EXPECTED[status]));
    expect(calls.map((call) => call?.upstreamStatus)).toEqual(statuses);
    expect(calls.map((call) => call?.isFinal)).toEqual(statuses.map((status) => FINAL.includes(EXPECTED[status] as CallStatus)));
  });

  it('a body with every optional field of the wrong type still returns the call, with nulls and no error', async () => {
    const sid = 'CAwrong_types';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, {
      status: 'completed',
      seconds: '12',
      cost: '0.5',
      from: 5,
      to: true,
      phoneNumber: { number: TO },
      date: 1706621993000,
      recordingUrls: 'x',
      callSid: [],
      partnerId: {},
      shiftId: true,
      assignmentId: [1],
      data: [1],
    });
    const response = await stack.gql(CallDocument, { sid });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.call).toEqual({
      sid,
      projectId: DEMO_PROJECT_ID,
      status: 'COMPLETED',
      upstreamStatus: 'completed',
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
    });
  });

  it('out-of-range values become null rather than errors', async () => {
    const sid = 'CAout_of_range';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, {
      status: 'completed',
      seconds: -3,
      cost: -0.5,
      from: '12345',
      to: 'not a phone',
      phoneNumber: '',
      date: 'not a date',
      recordingUrls: ['not a url', 'ftp://x.example.com/a.mp3', '/a.mp3'],
      partnerId: '',
      data: { employeeGoToWork: '', reasonOfCancellation: '', newDate: '' },
    });
    const response = await stack.gql(CallDocument, { sid });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.call).toMatchObject({
      status: 'COMPLETED',
      from: null,
      to: null,
      phoneNumber: null,
      date: null,
      durationSeconds: null,
      cost: null,
      recordings: [],
      shift: null,
      data: { employeeGoToWork: '', reasonOfCancellation: '', newDate: '' },
    });
  });

  it('the whole demo dataset resolves in one `calls` operation without any error', async () => {
    const sids = [...DEMO_CALLS.map((call) => call.sid), ...DEMO_LIVE_SIDS];
    const response = await stack.gql(CallsDocument, { sids });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const calls = response.body.data?.calls ?? [];
    expect(calls).toHaveLength(sids.length);
    calls.forEach((call, i) => {
      expect(call, sids[i]).not.toBeNull();
      expect(call?.sid).toBe(sids[i]);
    });
    // Spot checks against the demo bodies.
    DEMO_CALLS.forEach(({ body }, i) => {
      const call = calls[i];
      expect(call?.upstreamStatus).toBe(body.status);
      expect(call?.recordings).toHaveLength(body.recordingUrls?.length ?? 0);
      if (typeof body.seconds === 'number') expect(call?.durationSeconds).toBe(Math.floor(body.seconds));
      if (body.date) expect(call?.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });
  });
});

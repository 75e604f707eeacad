/**
 * Mapping an upstream Talkstack body to the API's `Call` (contract: "Mapping rules"):
 * pure unit tests of the decoder and mapper, then the same rules end to end over the
 * simulator, for every status string the contract names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallAddress } from '../src/calls/call.js';
import { CALL_STATUSES, isFinalStatus, toCallStatus, type CallStatus } from '../src/calls/callStatus.js';
import {
  mapCall,
  toCost,
  toDurationSeconds,
  toEmployeeGoesToWork,
  toIsoDate,
  toPhoneNumber,
  toRecordings,
  toShiftData,
} from '../src/calls/mapCall.js';
import { decodeCall, type TalkstackCall } from '../src/talkstack/decode.js';
import { DEMO_CALLS, DEMO_LIVE_SIDS, DEMO_PROJECT_ID } from '../src/simulator/index.js';
import { CallDocument, CallsDocument, type CallQuery } from './generated/operations.js';
import { startStack, type Stack } from './support/stack.js';
import { decodedCall } from './support/callFixtures.js';

const ADDRESS: CallAddress = { projectId: 'p1', sid: 'CA1' };

const RE_SID = 'RE0123456789abcdef0123456789abcdef';
const TWILIO_BASE = 'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings';
const TWILIO_MP3 = `${TWILIO_BASE}/${RE_SID}.mp3`;
const TWILIO_WAV = `${TWILIO_BASE}/${RE_SID}.wav`;
const TWILIO_NO_EXT = `${TWILIO_BASE}/${RE_SID}`;

const upstream = decodedCall;

const FINAL: readonly CallStatus[] = ['COMPLETED', 'VOICEMAIL', 'BUSY', 'SILENCE', 'FAILED', 'NO_ANSWER', 'CANCELED'];

describe('status', () => {
  const spellings: ReadonlyArray<readonly [string, CallStatus]> = [
    ['queued', 'QUEUED'],
    ['QUEUED', 'QUEUED'],
    ['initiated', 'INITIATED'],
    ['Initiated', 'INITIATED'],
    ['ringing', 'RINGING'],
    ['RINGING', 'RINGING'],
    ['in-progress', 'IN_PROGRESS'],
    ['In Progress', 'IN_PROGRESS'],
    ['IN_PROGRESS', 'IN_PROGRESS'],
    ['in_progress', 'IN_PROGRESS'],
    ['In-Progress', 'IN_PROGRESS'],
    ['completed', 'COMPLETED'],
    ['COMPLETED', 'COMPLETED'],
    ['Completed', 'COMPLETED'],
    ['voicemail', 'VOICEMAIL'],
    ['VoiceMail', 'VOICEMAIL'],
    ['busy', 'BUSY'],
    ['Busy', 'BUSY'],
    ['silence', 'SILENCE'],
    ['SILENCE', 'SILENCE'],
    ['failed', 'FAILED'],
    ['FAILED', 'FAILED'],
    ['no-answer', 'NO_ANSWER'],
    ['No Answer', 'NO_ANSWER'],
    ['NO_ANSWER', 'NO_ANSWER'],
    ['NO-ANSWER', 'NO_ANSWER'],
    ['canceled', 'CANCELED'],
    ['cancelled', 'CANCELED'],
    ['CANCELED', 'CANCELED'],
    ['Cancelled', 'CANCELED'],
    ['CANCELLED', 'CANCELED'],
  ];

  it.each(spellings)('%j → %s', (raw, expected) => {
    expect(toCallStatus(raw)).toBe(expected);
  });

  it.each(['transferred', 'answered', '', 'inprogress', 'unknown-thing', 'complete'])('unknown %j → UNKNOWN, not final', (raw) => {
    expect(toCallStatus(raw)).toBe('UNKNOWN');
    expect(isFinalStatus(toCallStatus(raw))).toBe(false);
  });

  it('isFinal exactly for COMPLETED VOICEMAIL BUSY SILENCE FAILED NO_ANSWER CANCELED', () => {
    expect([...CALL_STATUSES].sort()).toEqual(
      ['QUEUED', 'INITIATED', 'RINGING', 'IN_PROGRESS', ...FINAL, 'UNKNOWN'].sort(),
    );
    for (const status of CALL_STATUSES) {
      expect(isFinalStatus(status), status).toBe(FINAL.includes(status));
    }
  });

  it('mapCall keeps upstreamStatus exactly as sent and derives status and isFinal', () => {
    for (const [raw, expected] of spellings) {
      const call = mapCall(ADDRESS, upstream({ status: raw }));
      expect(call.upstreamStatus).toBe(raw);
      expect(call.status).toBe(expected);
      expect(call.isFinal).toBe(FINAL.includes(expected));
    }
    const unknown = mapCall(ADDRESS, upstream({ status: 'Transferred' }));
    expect(unknown).toMatchObject({ status: 'UNKNOWN', upstreamStatus: 'Transferred', isFinal: false });
  });
});

describe('date', () => {
  it('RFC 2822 with +0000 → ISO 8601 UTC', () => {
    expect(toIsoDate('Tue, 30 Jan 2024 13:39:53 +0000')).toBe('2024-01-30T13:39:53.000Z');
  });

  it('other offsets are converted to UTC', () => {
    expect(toIsoDate('Tue, 30 Jan 2024 15:39:53 +0200')).toBe('2024-01-30T13:39:53.000Z');
    expect(toIsoDate('Tue, 30 Jan 2024 08:39:53 -0500')).toBe('2024-01-30T13:39:53.000Z');
    expect(toIsoDate('Wed, 31 Jan 2024 00:09:53 +1030')).toBe('2024-01-30T13:39:53.000Z');
    expect(toIsoDate('Tue, 30 Jan 2024 13:39:53 GMT')).toBe('2024-01-30T13:39:53.000Z');
  });

  it.each(['', '   ', 'not a date', 'yesterday', 'Tue, 99 Foo 2024 99:99:99 +0000'])('garbage %j → null', (raw) => {
    expect(toIsoDate(raw)).toBeNull();
  });

  // Date.parse is lenient: it reads a lone number in any text as a month or a year, and
  // fills in 2001 when the year is missing. None of these is a date; none may become one.
  it('garbage containing a number → null, not an invented date', () => {
    const garbage = ['12', 'abc 1', 'call 12', 'foo-3', '30 Jan'];
    const mapped = Object.fromEntries(garbage.map((raw) => [raw, toIsoDate(raw)]));
    expect(mapped).toEqual(Object.fromEntries(garbage.map((raw) => [raw, null])));
  });

  it('absent → null', () => {
    expect(toIsoDate(null)).toBeNull();
    expect(mapCall(ADDRESS, upstream()).date).toBeNull();
  });
});

describe('recordings', () => {
  it('Twilio .mp3 → MP3 with its RE sid', () => {
    expect(toRecordings([TWILIO_MP3])).toEqual([{ url: TWILIO_MP3, sid: RE_SID, format: 'MP3' }]);
  });

  it('Twilio .wav → WAV with its RE sid', () => {
    expect(toRecordings([TWILIO_WAV])).toEqual([{ url: TWILIO_WAV, sid: RE_SID, format: 'WAV' }]);
  });

  it('Twilio URL without extension → WAV with its RE sid', () => {
    expect(toRecordings([TWILIO_NO_EXT])).toEqual([{ url: TWILIO_NO_EXT, sid: RE_SID, format: 'WAV' }]);
  });

  it('non-Twilio mp3 / wav → format by extension, no sid', () => {
    expect(toRecordings(['https://files.example.com/calls/1.mp3', 'http://files.example.com/calls/2.WAV'])).toEqual([
      { url: 'https://files.example.com/calls/1.mp3', sid: null, format: 'MP3' },
      { url: 'http://files.example.com/calls/2.WAV', sid: null, format: 'WAV' },
    ]);
  });

  it('other URLs → OTHER', () => {
    const [ogg, noExt, twilioJson] = toRecordings([
      'https://files.example.com/calls/1.ogg',
      'https://files.example.com/calls/1',
      `${TWILIO_BASE}/${RE_SID}.json`,
    ]);
    expect(ogg).toEqual({ url: 'https://files.example.com/calls/1.ogg', sid: null, format: 'OTHER' });
    // Without extension, a non-Twilio URL is not known to be WAV.
    expect(noExt).toEqual({ url: 'https://files.example.com/calls/1', sid: null, format: 'OTHER' });
    expect(twilioJson?.format).toBe('OTHER');
  });

  it('non-URLs, relative URLs and non-http(s) schemes are dropped, order kept', () => {
    const recordings = toRecordings([
      'not a url',
      '',
      '/relative/1.mp3',
      'relative/2.mp3',
      'ftp://files.example.com/3.mp3',
      'file:///tmp/4.mp3',
      'javascript:alert(1)',
      TWILIO_MP3,
      'https://files.example.com/5.ogg',
    ]);
    expect(recordings.map((r) => r.url)).toEqual([TWILIO_MP3, 'https://files.example.com/5.ogg']);
  });

  it('non-string entries are dropped by the decoder', () => {
    const decoded = decodeCall({ status: 'completed', recordingUrls: [42, null, { url: TWILIO_MP3 }, TWILIO_MP3, true, ['x']] });
    expect(decoded?.recordingUrls).toEqual([TWILIO_MP3]);
    expect(mapCall(ADDRESS, decoded as TalkstackCall).recordings).toEqual([{ url: TWILIO_MP3, sid: RE_SID, format: 'MP3' }]);
  });

  it('no URLs → []', () => {
    expect(toRecordings([])).toEqual([]);
  });
});

describe('durationSeconds and cost', () => {
  it('seconds are rounded down to an integer', () => {
    expect(toDurationSeconds(12.9)).toBe(12);
    expect(toDurationSeconds(12)).toBe(12);
    expect(toDurationSeconds(0)).toBe(0);
    expect(toDurationSeconds(0.4)).toBe(0);
  });

  it.each([-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('seconds %s → null', (value) => {
    expect(toDurationSeconds(value)).toBeNull();
  });

  it('seconds absent or a string → null', () => {
    expect(toDurationSeconds(null)).toBeNull();
    const decoded = decodeCall({ status: 'completed', seconds: '12' });
    expect(decoded?.seconds).toBeNull();
    expect(mapCall(ADDRESS, decoded as TalkstackCall).durationSeconds).toBeNull();
  });

  it('cost kept when finite and non-negative', () => {
    expect(toCost(0.0135)).toBe(0.0135);
    expect(toCost(0)).toBe(0);
    expect(toCost(12.5)).toBe(12.5);
  });

  it.each([-0.01, -5, Number.NaN, Number.POSITIVE_INFINITY])('cost %s → null', (value) => {
    expect(toCost(value)).toBeNull();
  });

  it('cost absent or a string → null', () => {
    expect(toCost(null)).toBeNull();
    expect(decodeCall({ status: 'completed', cost: '0.5' })?.cost).toBeNull();
  });
});

describe('phone numbers', () => {
  it('E.164 kept, formatting tolerated, others → null', () => {
    expect(toPhoneNumber('+14155550132')).toBe('+14155550132');
    expect(toPhoneNumber('+1 (415) 555-0132')).toBe('+14155550132');
    expect(toPhoneNumber('4155550132')).toBeNull();
    expect(toPhoneNumber('call me')).toBeNull();
    expect(toPhoneNumber('')).toBeNull();
    expect(toPhoneNumber(null)).toBeNull();
  });
});

describe('shift', () => {
  it('null when the three references and the three answers are all absent', () => {
    expect(toShiftData(upstream())).toBeNull();
    expect(mapCall(ADDRESS, upstream()).shift).toBeNull();
  });

  it('null when they are all empty strings', () => {
    const call = decodeCall({
      status: 'completed',
      partnerId: '',
      shiftId: '',
      assignmentId: '',
      data: { employeeGoToWork: '', reasonOfCancellation: '', newDate: '' },
    });
    expect(call).not.toBeNull();
    expect(toShiftData(call as TalkstackCall)).toBeNull();
  });

  it('null when data carries only other answers', () => {
    expect(toShiftData(upstream({ data: { somethingElse: 'x' } }))).toBeNull();
  });

  it('present as soon as one of the six is there; the others are null', () => {
    expect(toShiftData(upstream({ partnerId: 'prt_1' }))).toEqual({
      partnerId: 'prt_1',
      shiftId: null,
      assignmentId: null,
      employeeGoesToWork: null,
      cancellationReason: null,
      newDate: null,
    });
    expect(toShiftData(upstream({ shiftId: 'shf_1' }))?.shiftId).toBe('shf_1');
    expect(toShiftData(upstream({ assignmentId: 'asg_1' }))?.assignmentId).toBe('asg_1');
    expect(toShiftData(upstream({ data: { employeeGoToWork: 'no' } }))?.employeeGoesToWork).toBe(false);
    expect(toShiftData(upstream({ data: { reasonOfCancellation: 'Sick' } }))?.cancellationReason).toBe('Sick');
    expect(toShiftData(upstream({ data: { newDate: '2024-02-02' } }))?.newDate).toBe('2024-02-02');
  });

  it('a full shift', () => {
    const call = decodeCall({
      status: 'completed',
      partnerId: 'prt_12345',
      shiftId: 'shf_abc',
      assignmentId: 'asg_def',
      data: { employeeGoToWork: 'false', reasonOfCancellation: 'Car broke down', newDate: '2024-02-02' },
    });
    expect(mapCall(ADDRESS, call as TalkstackCall).shift).toEqual({
      partnerId: 'prt_12345',
      shiftId: 'shf_abc',
      assignmentId: 'asg_def',
      employeeGoesToWork: false,
      cancellationReason: 'Car broke down',
      newDate: '2024-02-02',
    });
  });

  it.each([
    ['true', true],
    ['yes', true],
    ['TRUE', true],
    ['Yes', true],
    ['false', false],
    ['no', false],
    ['False', false],
    ['NO', false],
    ['maybe', null],
    ['1', null],
    ['', null],
  ] as const)('employeeGoToWork %j → %s', (answer, expected) => {
    expect(toEmployeeGoesToWork(answer)).toBe(expected);
    const shift = toShiftData(upstream({ partnerId: 'prt_1', data: { employeeGoToWork: answer } }));
    expect(shift?.employeeGoesToWork).toBe(expected);
  });

  it('employeeGoToWork absent → null', () => {
    expect(toEmployeeGoesToWork(undefined)).toBeNull();
    expect(toShiftData(upstream({ partnerId: 'prt_1' }))?.employeeGoesToWork).toBeNull();
  });

  it('an answer other than yes/no still makes the shift present', () => {
    const shift = toShiftData(upstream({ data: { employeeGoToWork: 'maybe' } }));
    expect(shift).not.toBeNull();
    expect(shift?.employeeGoesToWork).toBeNull();
  });

  it('newDate and reasonOfCancellation are kept as sent', () => {
    const shift = toShiftData(
      upstream({ data: { newDate: 'Friday, 2 Feb 2024 (morning)', reasonOfCancellation: 'Sick – fever' } }),
    );
    expect(shift?.newDate).toBe('Friday, 2 Feb 2024 (morning)');
    expect(shift?.cancellationReason).toBe('Sick – fever');
  });

  it('empty strings → null', () => {
    const shift = toShiftData(
      upstream({ partnerId: 'prt_1', shiftId: '', assignmentId: '', data: { employeeGoToWork: '', reasonOfCancellation: '', newDate: '' } }),
    );
    expect(shift).toEqual({
      partnerId: 'prt_1',
      shiftId: null,
      assignmentId: null,
      employeeGoesToWork: null,
      cancellationReason: null,
      newDate: null,
    });
  });
});

describe('decodeCall', () => {
  it.each([null, undefined, 'completed', 42, true, [], [{ status: 'completed' }]])('non-object %j → null', (value) => {
    expect(decodeCall(value)).toBeNull();
  });

  it.each([{}, { seconds: 12 }, { status: 12 }, { status: null }, { status: ['completed'] }, { status: { value: 'completed' } }])(
    'missing or non-string status %j → null',
    (value) => {
      expect(decodeCall(value)).toBeNull();
    },
  );

  it('a status alone decodes, every other field empty', () => {
    expect(decodeCall({ status: 'queued' })).toEqual(upstream({ status: 'queued' }));
  });

  it('a well-formed body decodes field by field', () => {
    expect(
      decodeCall({
        status: 'completed',
        seconds: 42,
        cost: 0.0135,
        from: '+14155550132',
        to: '+15550100123',
        phoneNumber: '+15550100123',
        date: 'Tue, 30 Jan 2024 13:39:53 +0000',
        recordingUrls: [TWILIO_MP3],
        callSid: 'CA1',
        partnerId: 'prt_1',
        shiftId: 'shf_1',
        assignmentId: 'asg_1',
        data: { employeeGoToWork: 'true' },
      }),
    ).toEqual({
      status: 'completed',
      seconds: 42,
      cost: 0.0135,
      from: '+14155550132',
      to: '+15550100123',
      phoneNumber: '+15550100123',
      date: 'Tue, 30 Jan 2024 13:39:53 +0000',
      recordingUrls: [TWILIO_MP3],
      callSid: 'CA1',
      partnerId: 'prt_1',
      shiftId: 'shf_1',
      assignmentId: 'asg_1',
      data: { employeeGoToWork: 'true' },
    });
  });

  it('wrong-type optional fields become null ([] for recordingUrls, {} for data)', () => {
    expect(
      decodeCall({
        status: 'completed',
        seconds: '12',
        cost: '0.5',
        from: 5,
        to: true,
        phoneNumber: { number: '+14155550132' },
        date: 1706621993000,
        recordingUrls: 'x',
        callSid: [],
        partnerId: {},
        shiftId: true,
        assignmentId: [1],
        data: [1],
      }),
    ).toEqual(upstream({ status: 'completed' }));
  });

  it('null fields become null ([] / {})', () => {
    expect(
      decodeCall({
        status: 'ringing',
        seconds: null,
        cost: null,
        from: null,
        date: null,
        recordingUrls: null,
        partnerId: null,
        data: null,
      }),
    ).toEqual(upstream({ status: 'ringing' }));
  });

  it('data that is a string or a number becomes {}', () => {
    expect(decodeCall({ status: 'completed', data: 'x' })?.data).toEqual({});
    expect(decodeCall({ status: 'completed', data: 3 })?.data).toEqual({});
  });

  it('unknown extra fields are ignored', () => {
    expect(decodeCall({ status: 'completed', somethingNew: { a: 1 } })).toEqual(upstream({ status: 'completed' }));
  });
});

describe('mapCall', () => {
  it('maps a full call', () => {
    const decoded = decodeCall({
      status: 'completed',
      seconds: 42.7,
      cost: 0.0135,
      from: '+14155550132',
      to: '+15550100123',
      phoneNumber: '+15550100123',
      date: 'Tue, 30 Jan 2024 13:39:53 +0000',
      recordingUrls: [TWILIO_MP3, TWILIO_NO_EXT],
      callSid: 'CA1',
      partnerId: 'prt_1',
      shiftId: 'shf_1',
      assignmentId: 'asg_1',
      data: { employeeGoToWork: 'false', reasonOfCancellation: 'Sick', newDate: '' },
    });
    expect(mapCall({ projectId: 'p1', sid: 'CA1' }, decoded as TalkstackCall)).toEqual({
      sid: 'CA1',
      projectId: 'p1',
      status: 'COMPLETED',
      upstreamStatus: 'completed',
      isFinal: true,
      from: '+14155550132',
      to: '+15550100123',
      phoneNumber: '+15550100123',
      date: '2024-01-30T13:39:53.000Z',
      durationSeconds: 42,
      cost: 0.0135,
      recordings: [
        { url: TWILIO_MP3, sid: RE_SID, format: 'MP3' },
        { url: TWILIO_NO_EXT, sid: RE_SID, format: 'WAV' },
      ],
      shift: {
        partnerId: 'prt_1',
        shiftId: 'shf_1',
        assignmentId: 'asg_1',
        employeeGoesToWork: false,
        cancellationReason: 'Sick',
        newDate: null,
      },
      data: { employeeGoToWork: 'false', reasonOfCancellation: 'Sick', newDate: '' },
    });
  });

  it('maps a status-only call to nulls, [] and {}', () => {
    expect(mapCall(ADDRESS, upstream({ status: 'queued' }))).toEqual({
      sid: 'CA1',
      projectId: 'p1',
      status: 'QUEUED',
      upstreamStatus: 'queued',
      isFinal: false,
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
});

// ---------------------------------------------------------------------------------------
// End to end: simulator → client → decode → map → GraphQL.
// ---------------------------------------------------------------------------------------

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

  it('a body without a string status is UPSTREAM_BAD_RESPONSE', async () => {
    const sid = 'CAno_status';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { seconds: 12 });
    const response = await stack.gql(CallDocument, { sid });
    expect(response.body.data?.call ?? null).toBeNull();
    expect((response.body.errors ?? []).map((e) => e.extensions?.code)).toEqual(['UPSTREAM_BAD_RESPONSE']);
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

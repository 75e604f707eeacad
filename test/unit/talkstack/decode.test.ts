/**
 * The decoder of upstream call bodies on its own (talkstack/decode.ts): only `status` is required
 * (a string); every other field that is absent or of the wrong type becomes null ([] for
 * `recordingUrls`, {} for `data`), and unknown fields are ignored. Examples first, then
 * properties over arbitrary values (fast-check; arbitraries in test/support/callArbitraries.ts):
 * total, null exactly when there is no string status, each field by the contract.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCall, type TalkstackCall } from '../../../src/talkstack/decode.js';
import { decodedCall } from '../../support/callFixtures.js';
import { isObjectLike, upstreamBody } from '../../support/callArbitraries.js';

const RE_SID = 'RE0123456789abcdef0123456789abcdef';
const TWILIO_MP3 = `https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/${RE_SID}.mp3`;

const upstream = decodedCall;

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

/** What the decoder must do with one field, by the contract. */
function expectDecodedLikeContract(input: Record<string, unknown>, decoded: TalkstackCall): void {
  expect(decoded.status).toBe(input['status']);
  for (const key of ['seconds', 'cost'] as const) {
    const raw = input[key];
    expect(decoded[key]).toBe(typeof raw === 'number' && Number.isFinite(raw) ? raw : null);
  }
  for (const key of ['from', 'to', 'phoneNumber', 'date'] as const) {
    const raw = input[key];
    expect(decoded[key]).toBe(typeof raw === 'string' ? raw : null);
  }
  for (const key of ['callSid', 'partnerId', 'shiftId', 'assignmentId'] as const) {
    const raw = input[key];
    const expected = typeof raw === 'string' ? raw : typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : null;
    expect(decoded[key]).toBe(expected);
  }
  const urls = input['recordingUrls'];
  expect(decoded.recordingUrls).toEqual(Array.isArray(urls) ? urls.filter((u) => typeof u === 'string') : []);
  expect(isObjectLike(decoded.data)).toBe(true);
}

describe('property 1: decodeCall is total and strict only about status', () => {
  const expectDecodeOracle = (value: unknown): void => {
    let decoded: TalkstackCall | null = null;
    expect(() => {
      decoded = decodeCall(value);
    }).not.toThrow();
    const isCall = isObjectLike(value) && typeof value['status'] === 'string';
    expect(decoded === null).toBe(!isCall);
  };

  it('never throws for fc.anything(), null iff not an object with a string status', () => {
    fc.assert(fc.property(fc.anything(), expectDecodeOracle), { numRuns: 400 });
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withBigInt: true, withSparseArray: true, withTypedArray: true }),
        expectDecodeOracle,
      ),
      { numRuns: 200 },
    );
  });

  it('never throws for fc.jsonValue(), null iff not an object with a string status', () => {
    fc.assert(fc.property(fc.jsonValue(), expectDecodeOracle), { numRuns: 1000 });
  });

  it('never throws for upstream-shaped records of arbitrary JSON, and decodes each field by the contract', () => {
    fc.assert(
      fc.property(upstreamBody, (body) => {
        expectDecodeOracle(body);
        const decoded = decodeCall(body);
        if (decoded !== null) expectDecodedLikeContract(body, decoded);
      }),
      { numRuns: 400 },
    );
  });
});

/**
 * Mapping a decoded upstream call to the API's `Call`, field by field (calls/mapCall.ts;
 * contract: "Mapping rules"): dates to ISO 8601 UTC, recordings (http(s) only, format and Twilio
 * sid), duration rounded down and cost (non-negative, finite), E.164 phone numbers, the shift
 * (present as soon as one of its six parts is), and whole calls. Examples first, then properties
 * (fast-check; arbitraries in test/support/callArbitraries.ts): `mapCall` is total, every field
 * it produces passes the schema's scalar, and dates, recordings and shifts follow the rules for
 * any input. (Statuses: callStatus.test.ts; the decoder: test/unit/talkstack/decode.test.ts; the
 * same rules end to end: test/integration/calls/mapCall.test.ts.)
 */
import fc from 'fast-check';
import { NonNegativeFloatResolver, NonNegativeIntResolver, PhoneNumberResolver, URLResolver } from 'graphql-scalars';
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import {
  mapCall,
  toCost,
  toDurationSeconds,
  toEmployeeGoesToWork,
  toIsoDate,
  toPhoneNumber,
  toRecordings,
  toShiftData,
} from '../../../src/calls/mapCall.js';
import { decodeCall, type TalkstackCall } from '../../../src/talkstack/decode.js';
import { decodedCall } from '../../support/callFixtures.js';
import {
  ADDRESS,
  anyUrlString,
  blankString,
  decodedCallArbitrary,
  E164,
  expectDateTimeSafe,
  expectFieldBoundarySafe,
  formatRfc2822,
  isBlank,
  isObjectLike,
  MAX_INT,
  numberLike,
  phoneText,
  shiftAnswer,
  TWILIO_SID,
  twilioLikeUrl,
  twilioUrl,
  upstreamBody,
  upstreamJsonBody,
  whitespace,
  wideDateText,
} from '../../support/callArbitraries.js';

const RE_SID = 'RE0123456789abcdef0123456789abcdef';
const TWILIO_BASE = 'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings';
const TWILIO_MP3 = `${TWILIO_BASE}/${RE_SID}.mp3`;
const TWILIO_WAV = `${TWILIO_BASE}/${RE_SID}.wav`;
const TWILIO_NO_EXT = `${TWILIO_BASE}/${RE_SID}`;

const upstream = decodedCall;

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
      fetchedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
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
      fetchedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
  });

  it('maps a status-only call to nulls, [] and {}', () => {
    expect(mapCall(ADDRESS, upstream({ status: 'queued' }), 1_700_000_000_000)).toEqual({
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
      fetchedAt: new Date(1_700_000_000_000).toISOString(),
    });
  });
});

describe('property 2: mapCall is total and every field passes its scalar', () => {
  it('for calls decoded from upstream JSON: scalar-safe, data passed through, JSON round trip is lossless', () => {
    fc.assert(
      fc.property(upstreamJsonBody, (body) => {
        const decoded = decodeCall(body);
        if (decoded === null) return;
        let call: Call | undefined;
        expect(() => {
          call = mapCall(ADDRESS, decoded);
        }).not.toThrow();
        if (call === undefined) return;
        expectFieldBoundarySafe(call, decoded);
        // `data` is the raw upstream object (a declared `__proto__` key aside, which zod strips).
        const rawData = isObjectLike(body) ? body['data'] : undefined;
        if (isObjectLike(rawData) && !Object.prototype.hasOwnProperty.call(rawData, '__proto__')) {
          expect(call.data).toEqual(rawData);
        }
        expect(JSON.parse(JSON.stringify(call))).toStrictEqual(call);
      }),
      { numRuns: 400 },
    );
  });

  // String() throws for an object without a prototype (fast-check makes such values): the
  // generator must not fail for them, only the code under test may.
  const asText = (value: unknown): string => {
    try {
      return String(value);
    } catch {
      return 'unprintable';
    }
  };

  it('for calls decoded from arbitrary values: never throws and scalar-safe', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), upstreamBody.map((b) => ({ ...b, status: asText(b['status']) }))), (value) => {
        const decoded = decodeCall(value);
        if (decoded === null) return;
        const call = mapCall(ADDRESS, decoded);
        expectFieldBoundarySafe(call, decoded);
      }),
      { numRuns: 250 },
    );
  });

  it('the field helpers never return a value their scalar refuses', () => {
    fc.assert(
      fc.property(fc.oneof(phoneText, fc.string({ unit: 'binary' })), (text) => {
        const phone = toPhoneNumber(text);
        if (phone !== null) {
          expect(phone).toMatch(E164);
          expect(() => PhoneNumberResolver.serialize(phone)).not.toThrow();
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(numberLike, (n) => {
        const seconds = toDurationSeconds(n);
        if (seconds !== null) {
          expect(Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_INT).toBe(true);
          expect(seconds).toBe(Math.floor(n) + 0); // + 0: -0 comes out as 0
          expect(() => NonNegativeIntResolver.serialize(seconds)).not.toThrow();
        } else {
          expect(!Number.isFinite(n) || n < 0 || Math.floor(n) > MAX_INT).toBe(true);
        }
        const cost = toCost(n);
        if (cost !== null) {
          expect(cost).toBe(n + 0);
          expect(() => NonNegativeFloatResolver.serialize(cost)).not.toThrow();
        } else {
          expect(!Number.isFinite(n) || n < 0).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
describe('property 4: dates', () => {
  it('toIsoDate never throws for arbitrary strings; anything it returns is a valid DateTime', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), (text) => {
        const iso = toIsoDate(text);
        if (iso !== null) expectDateTimeSafe(iso);
      }),
      { numRuns: 1000 },
    );
  });

  it('RFC 2822 with any offset -1200..+1400, day-of-week optional, round-trips to the same instant', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01T00:00:00.000Z'), max: new Date('2100-12-31T23:59:59.999Z'), noInvalidDate: true }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        fc.boolean(),
        fc.boolean(),
        (d, offsetMinutes, withDayOfWeek, padDay) => {
          const text = formatRfc2822(d, offsetMinutes, withDayOfWeek, padDay);
          const expected = new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();
          expect(toIsoDate(text)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('date-shaped text over years 0000–9999: the result is null or that instant, as a valid DateTime', () => {
    fc.assert(
      fc.property(wideDateText, ({ text, local, offsetMinutes }) => {
        const iso = toIsoDate(text);
        if (iso === null) return;
        expectDateTimeSafe(iso);
        const expected = Math.floor(local.getTime() / 1000) * 1000 - offsetMinutes * 60_000;
        expect(new Date(iso).getTime()).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
describe('property 5: recordings', () => {
  it('toRecordings never throws; outputs are parseable http(s) URLs, no more than the inputs', () => {
    fc.assert(
      fc.property(fc.array(anyUrlString, { maxLength: 8 }), (urls) => {
        const recordings = toRecordings(urls);
        expect(recordings.length).toBeLessThanOrEqual(urls.length);
        for (const recording of recordings) {
          const url = new URL(recording.url);
          expect(['http:', 'https:']).toContain(url.protocol);
          expect(() => URLResolver.serialize(recording.url)).not.toThrow();
          expect(['MP3', 'WAV', 'OTHER']).toContain(recording.format);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every fc.webUrl() and drops no http(s) URL', () => {
    fc.assert(
      fc.property(fc.array(fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }), { maxLength: 5 }), (urls) => {
        expect(toRecordings(urls)).toHaveLength(urls.length);
      }),
      { numRuns: 300 },
    );
  });

  it('a Twilio recording URL gives its RE… sid, and WAV / MP3 / WAV for "" / .mp3 / .wav', () => {
    fc.assert(
      fc.property(twilioUrl, ({ url, sid, format }) => {
        expect(toRecordings([url])).toEqual([{ url, sid, format }]);
      }),
      { numRuns: 300 },
    );
  });

  it('any sid reported is a Twilio recording SID (RE + 32 hex)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(twilioLikeUrl, anyUrlString), { maxLength: 4 }), (urls) => {
        for (const recording of toRecordings(urls)) {
          if (recording.sid !== null) expect(recording.sid).toMatch(TWILIO_SID);
        }
      }),
      { numRuns: 500 },
    );
  });
});
describe('property 6: shift', () => {
  const shiftCall = fc
    .record({
      base: decodedCallArbitrary,
      partnerId: fc.option(fc.oneof(blankString, fc.string()), { nil: null }),
      shiftId: fc.option(fc.oneof(blankString, fc.string()), { nil: null }),
      assignmentId: fc.option(fc.oneof(blankString, fc.string()), { nil: null }),
      data: fc.oneof(
        fc.record({ employeeGoToWork: shiftAnswer, reasonOfCancellation: shiftAnswer, newDate: shiftAnswer }, { requiredKeys: [] }),
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.object(),
      ),
    })
    .map(({ base, partnerId, shiftId, assignmentId, data }): TalkstackCall => ({ ...base, partnerId, shiftId, assignmentId, data }));

  it('toShiftData never throws; null iff every reference and answer is absent, non-string or blank', () => {
    fc.assert(
      fc.property(fc.oneof(shiftCall, decodedCallArbitrary), (call) => {
        const shift = toShiftData(call);
        const parts = [
          call.partnerId,
          call.shiftId,
          call.assignmentId,
          call.data['employeeGoToWork'],
          call.data['reasonOfCancellation'],
          call.data['newDate'],
        ];
        expect(shift === null).toBe(parts.every(isBlank));
        if (shift === null) return;
        const trimmedOrNull = (value: unknown): string | null => (isBlank(value) ? null : (value as string).trim());
        expect(shift.partnerId).toBe(trimmedOrNull(call.partnerId));
        expect(shift.shiftId).toBe(trimmedOrNull(call.shiftId));
        expect(shift.assignmentId).toBe(trimmedOrNull(call.assignmentId));
        const reason = call.data['reasonOfCancellation'];
        const newDate = call.data['newDate'];
        expect(shift.cancellationReason).toBe(isBlank(reason) ? null : reason);
        expect(shift.newDate).toBe(isBlank(newDate) ? null : newDate);
        expect(shift.employeeGoesToWork).toBe(toEmployeeGoesToWork(call.data['employeeGoToWork']));
      }),
      { numRuns: 400 },
    );
  });

  it('employeeGoesToWork is true/false/null, true only for trimmed case-insensitive "true"/"yes"', () => {
    fc.assert(
      fc.property(fc.oneof(shiftAnswer, fc.anything()), (answer) => {
        const result = toEmployeeGoesToWork(answer);
        expect([true, false, null]).toContain(result);
        const normalised = typeof answer === 'string' ? answer.trim().toLowerCase() : undefined;
        expect(result === true).toBe(normalised === 'true' || normalised === 'yes');
        expect(result === false).toBe(normalised === 'false' || normalised === 'no');
      }),
      { numRuns: 1000 },
    );
  });

  it('"true"/"yes" in any case, padded with whitespace, is true', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('true', 'yes'),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        whitespace,
        whitespace,
        (word, upper, before, after) => {
          const cased = [...word].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('');
          expect(toEmployeeGoesToWork(`${before}${cased}${after}`)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * Property-based tests of the pure mapping layer (contract: "Mapping rules"): the decoder is
 * total and strict only about `status`; the mapper is total and every field it produces is
 * accepted by the schema's scalar at the field boundary, so serialising a call never fails.
 */
import fc from 'fast-check';
import {
  DateTimeResolver,
  JSONObjectResolver,
  NonNegativeFloatResolver,
  NonNegativeIntResolver,
  PhoneNumberResolver,
  URLResolver,
} from 'graphql-scalars';
import { describe, expect, it } from 'vitest';
import type { Call, CallAddress } from '../src/calls/call.js';
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
import { decodeCall, parseJson, type TalkstackCall } from '../src/talkstack/decode.js';

const ADDRESS: CallAddress = { projectId: 'p1', sid: 'CA1' };
const E164 = /^\+[1-9]\d{6,14}$/;
const TWILIO_SID = /^RE[0-9a-fA-F]{32}$/;
const MAX_INT = 2_147_483_647;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Upstream status spellings the contract names, and what each must map to. */
const KNOWN_STATUSES: Readonly<Record<string, CallStatus>> = {
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
};
const KNOWN_STATUS_NAMES = Object.keys(KNOWN_STATUSES);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function offsetText(offsetMinutes: number, colon: boolean): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}${colon ? ':' : ''}${pad(abs % 60, 2)}`;
}

/**
 * RFC 2822 text of a wall-clock time: `local` carries the wall-clock fields in its UTC fields,
 * `offsetMinutes` is the zone written after it. `Tue, 30 Jan 2024 13:39:53 +0000` shape.
 */
function rfc2822Fields(local: Date, offsetMinutes: number, withDayOfWeek: boolean, padDay: boolean): string {
  const dow = withDayOfWeek ? `${DAYS[local.getUTCDay()] ?? 'Sun'}, ` : '';
  const day = padDay ? pad(local.getUTCDate(), 2) : String(local.getUTCDate());
  const month = MONTHS[local.getUTCMonth()] ?? 'Jan';
  const time = `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}`;
  return `${dow}${day} ${month} ${pad(local.getUTCFullYear(), 4)} ${time} ${offsetText(offsetMinutes, false)}`;
}

/** The instant `d` written as RFC 2822 in the zone `offsetMinutes` east of UTC. */
function formatRfc2822(d: Date, offsetMinutes: number, withDayOfWeek: boolean, padDay: boolean): string {
  return rfc2822Fields(new Date(d.getTime() + offsetMinutes * 60_000), offsetMinutes, withDayOfWeek, padDay);
}

/** ISO 8601 text of a wall-clock time (fields in `local`'s UTC fields) with the given zone. */
function isoFields(local: Date, zone: string): string {
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}` +
    `T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}${zone}`
  );
}

/** A DateTime value as the schema's scalar would serialise it: must not throw. */
function expectDateTimeSafe(date: string): void {
  expect(typeof date).toBe('string');
  expect(new Date(date).toISOString()).toBe(date);
  expect(() => DateTimeResolver.serialize(date)).not.toThrow();
}

/** Every field of a mapped call is accepted by the scalar / enum the schema gives it. */
function expectFieldBoundarySafe(call: Call, upstream: TalkstackCall): void {
  expect(CALL_STATUSES).toContain(call.status);
  expect(call.isFinal).toBe(isFinalStatus(call.status));
  expect(call.upstreamStatus).toBe(upstream.status);
  expect(call.sid).toBe(ADDRESS.sid);
  expect(call.projectId).toBe(ADDRESS.projectId);

  for (const phone of [call.from, call.to, call.phoneNumber]) {
    if (phone === null) continue;
    expect(phone).toMatch(E164);
    expect(() => PhoneNumberResolver.serialize(phone)).not.toThrow();
  }

  if (call.date !== null) expectDateTimeSafe(call.date);

  if (call.durationSeconds !== null) {
    expect(Number.isInteger(call.durationSeconds)).toBe(true);
    expect(call.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(call.durationSeconds).toBeLessThanOrEqual(MAX_INT);
    expect(() => NonNegativeIntResolver.serialize(call.durationSeconds)).not.toThrow();
  }

  if (call.cost !== null) {
    expect(Number.isFinite(call.cost)).toBe(true);
    expect(call.cost).toBeGreaterThanOrEqual(0);
    expect(() => NonNegativeFloatResolver.serialize(call.cost)).not.toThrow();
  }

  expect(Array.isArray(call.recordings)).toBe(true);
  for (const recording of call.recordings) {
    expect(recording.url).toMatch(/^https?:\/\//);
    expect(() => URLResolver.serialize(recording.url)).not.toThrow();
    expect(['MP3', 'WAV', 'OTHER']).toContain(recording.format);
    if (recording.sid !== null) expect(recording.sid).toMatch(TWILIO_SID);
  }

  if (call.shift !== null) {
    const { shift } = call;
    for (const id of [shift.partnerId, shift.shiftId, shift.assignmentId, shift.cancellationReason, shift.newDate]) {
      expect(id === null || typeof id === 'string').toBe(true);
    }
    expect([true, false, null]).toContain(shift.employeeGoesToWork);
  }

  expect(isObjectLike(call.data)).toBe(true);
  const proto: unknown = Object.getPrototypeOf(call.data);
  expect(proto === Object.prototype || proto === null).toBe(true);
  expect(() => JSONObjectResolver.serialize(call.data)).not.toThrow();
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
const whitespace = fc
  .array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u2028', '\ufeff'), { maxLength: 3 })
  .map((chars) => chars.join(''));
const blankString = whitespace;

/** A known status in random case with 1–3 of `-`, `_`, space between its words. */
const statusVariant = fc
  .tuple(
    fc.constantFrom(...KNOWN_STATUS_NAMES),
    fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
    fc.array(fc.constantFrom('-', '_', ' '), { minLength: 1, maxLength: 3 }).map((s) => s.join('')),
  )
  .map(([name, upper, separator]) => {
    const cased = [...name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join('');
    return { name, variant: cased.split('-').join(separator) };
  });

/**
 * Date-shaped text over the whole 4-digit year range, in RFC 2822 or ISO 8601 with every zone
 * spelling; `fc.date` is biased to its bounds, so 0000-01-01 and 9999-12-31T23:59 come often.
 */
const wideDateText = fc
  .record({
    local: fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
    offsetMinutes: fc.integer({ min: -18 * 60, max: 18 * 60 }),
    style: fc.constantFrom('rfc', 'rfc-gmt', 'iso-colon', 'iso-compact', 'iso-z'),
    withDayOfWeek: fc.boolean(),
  })
  .map(({ local, offsetMinutes, style, withDayOfWeek }) => {
    switch (style) {
      case 'rfc':
        return { text: rfc2822Fields(local, offsetMinutes, withDayOfWeek, true), local, offsetMinutes };
      case 'rfc-gmt':
        return { text: rfc2822Fields(local, 0, withDayOfWeek, true).replace(/\+0000$/, 'GMT'), local, offsetMinutes: 0 };
      case 'iso-colon':
        return { text: isoFields(local, offsetText(offsetMinutes, true)), local, offsetMinutes };
      case 'iso-compact':
        return { text: isoFields(local, offsetText(offsetMinutes, false)), local, offsetMinutes };
      default:
        return { text: isoFields(local, 'Z'), local, offsetMinutes: 0 };
    }
  });

const twilioUrl = fc
  .tuple(hex32, hex32, fc.constantFrom('', '.mp3', '.wav'))
  .map(([account, recording, ext]) => ({
    url: `https://api.twilio.com/2010-04-01/Accounts/AC${account}/Recordings/RE${recording}${ext}`,
    sid: `RE${recording}`,
    format: ext === '.mp3' ? 'MP3' : 'WAV',
  }));

/**
 * Twilio-looking URLs with the case of the path (and so of the `RE` prefix) mangled. Kept out of
 * `anyUrlString` so that property 2 reports other findings; property 5 checks sids on these.
 */
const twilioLikeUrl = fc
  .tuple(fc.stringMatching(/^[Rr][Ee][0-9a-fA-F]{32}$/), fc.constantFrom('', '.mp3', '.wav', '.MP3', '.json', '/'))
  .map(([sid, ext]) => `https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/${sid}${ext}`);

const anyUrlString = fc.oneof(
  fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }),
  twilioUrl.map((t) => t.url),
  fc.string(),
  fc.constantFrom('ftp://example.com/a.mp3', 'javascript:alert(1)', 'mailto:a@b.c', '/relative.mp3', 'http://', 'https://x.test/A.WAV'),
);

const phoneText = fc.oneof(
  fc.stringMatching(/^\+[1-9]\d{6,14}$/),
  fc.stringMatching(/^\+?[0-9 ().\-]{0,20}$/),
  fc.constantFrom('+1 (555) 123-4567', '+44 20 7946 0958', '+49.30.123456', '0049301234567', '+0123456789'),
  fc.string(),
);

const numberLike = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.integer({ min: MAX_INT - 2, max: MAX_INT + 2 }),
  fc.constantFrom(0, -0, 0.5, -1, 1e21, Number.MAX_VALUE, Number.MIN_VALUE),
);

const shiftAnswer = fc.oneof(
  blankString,
  fc.tuple(whitespace, fc.constantFrom('true', 'TRUE', 'Yes', 'yes', 'false', 'No', 'NO', 'maybe'), whitespace).map((p) => p.join('')),
  fc.string(),
  fc.jsonValue(),
);

const dataObject = fc.oneof(
  fc.record(
    { employeeGoToWork: shiftAnswer, reasonOfCancellation: shiftAnswer, newDate: shiftAnswer },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string(), fc.jsonValue()),
  fc.jsonValue(),
);

const idLike = fc.oneof(blankString, fc.string(), fc.integer(), fc.double(), fc.jsonValue());

/** An upstream body: every documented field optional, of the right type or not, plus extra keys. */
const upstreamBody = fc
  .tuple(
    fc.record(
      {
        status: fc.oneof(statusVariant.map((s) => s.variant), fc.string(), fc.jsonValue()),
        seconds: fc.oneof(numberLike, fc.jsonValue()),
        cost: fc.oneof(numberLike, fc.jsonValue()),
        from: fc.oneof(phoneText, fc.jsonValue()),
        to: fc.oneof(phoneText, fc.jsonValue()),
        phoneNumber: fc.oneof(phoneText, fc.jsonValue()),
        date: fc.oneof(wideDateText.map((d) => d.text), fc.string(), fc.jsonValue()),
        recordingUrls: fc.oneof(fc.array(fc.oneof(anyUrlString, fc.jsonValue()), { maxLength: 5 }), fc.jsonValue()),
        callSid: idLike,
        partnerId: idLike,
        shiftId: idLike,
        assignmentId: idLike,
        data: dataObject,
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  )
  .map(([fields, extra]): Record<string, unknown> => ({ ...extra, ...fields }));

/** The body as upstream would send it: through JSON text, as the client reads it. */
const upstreamJsonBody = upstreamBody.map((body) => parseJson(JSON.stringify(body)));

/** A decoded call (status forced to be a string so decoding succeeds). */
const decodedCall = upstreamBody
  .chain((body) => fc.oneof(statusVariant.map((s) => s.variant), fc.string()).map((status) => ({ ...body, status })))
  .map((body) => {
    const decoded = decodeCall(parseJson(JSON.stringify(body)));
    if (decoded === null) throw new Error('a body with a string status must decode');
    return decoded;
  });

// ---------------------------------------------------------------------------------------------
// 1. decodeCall
// ---------------------------------------------------------------------------------------------

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
    fc.assert(fc.property(fc.anything(), expectDecodeOracle), { numRuns: 1000 });
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withBigInt: true, withSparseArray: true, withTypedArray: true }),
        expectDecodeOracle,
      ),
      { numRuns: 500 },
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
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 2. mapCall: total, and safe at the field boundary
// ---------------------------------------------------------------------------------------------

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
      { numRuns: 1000 },
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
      { numRuns: 500 },
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

// ---------------------------------------------------------------------------------------------
// 3. status mapping
// ---------------------------------------------------------------------------------------------

describe('property 3: status mapping', () => {
  it('toCallStatus never throws on arbitrary strings and returns a member of CALL_STATUSES', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        const status = toCallStatus(text);
        expect(CALL_STATUSES).toContain(status);
        expect(typeof isFinalStatus(status)).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('case and `-` / `_` / space runs between words never change the result of a known status', () => {
    fc.assert(
      fc.property(statusVariant, ({ name, variant }) => {
        expect(toCallStatus(variant)).toBe(KNOWN_STATUSES[name]);
        expect(toCallStatus(variant)).toBe(toCallStatus(name));
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 4. dates
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 5. recordings
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 6. shift
// ---------------------------------------------------------------------------------------------

describe('property 6: shift', () => {
  const shiftCall = fc
    .record({
      base: decodedCall,
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
      fc.property(fc.oneof(shiftCall, decodedCall), (call) => {
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
      { numRuns: 1000 },
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

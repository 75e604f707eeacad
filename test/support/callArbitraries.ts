/**
 * fast-check arbitraries of upstream call bodies and their fields (status spellings, dates over
 * every zone and year, recording URLs, phone text, numbers, shift answers), and the checks that a
 * mapped call is safe at the schema's field boundary: shared by the property tests of
 * test/unit/talkstack/decode.test.ts, test/unit/calls/callStatus.test.ts and
 * test/unit/calls/mapCall.test.ts.
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
import { expect } from 'vitest';
import type { Call, CallAddress } from '../../src/calls/call.js';
import { CALL_STATUSES, isFinalStatus, type CallStatus } from '../../src/calls/callStatus.js';
import { decodeCall, parseJson, type TalkstackCall } from '../../src/talkstack/decode.js';

export const ADDRESS: CallAddress = { projectId: 'p1', sid: 'CA1' };
export const E164 = /^\+[1-9]\d{6,14}$/;
export const TWILIO_SID = /^RE[0-9a-fA-F]{32}$/;
export const MAX_INT = 2_147_483_647;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

export function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

export function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Upstream status spellings the contract names, and what each must map to. */
export const KNOWN_STATUSES: Readonly<Record<string, CallStatus>> = {
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
export const KNOWN_STATUS_NAMES = Object.keys(KNOWN_STATUSES);

export const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function offsetText(offsetMinutes: number, colon: boolean): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}${colon ? ':' : ''}${pad(abs % 60, 2)}`;
}

/**
 * RFC 2822 text of a wall-clock time: `local` carries the wall-clock fields in its UTC fields,
 * `offsetMinutes` is the zone written after it. `Tue, 30 Jan 2024 13:39:53 +0000` shape.
 */
export function rfc2822Fields(local: Date, offsetMinutes: number, withDayOfWeek: boolean, padDay: boolean): string {
  const dow = withDayOfWeek ? `${DAYS[local.getUTCDay()] ?? 'Sun'}, ` : '';
  const day = padDay ? pad(local.getUTCDate(), 2) : String(local.getUTCDate());
  const month = MONTHS[local.getUTCMonth()] ?? 'Jan';
  const time = `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}`;
  return `${dow}${day} ${month} ${pad(local.getUTCFullYear(), 4)} ${time} ${offsetText(offsetMinutes, false)}`;
}

/** The instant `d` written as RFC 2822 in the zone `offsetMinutes` east of UTC. */
export function formatRfc2822(d: Date, offsetMinutes: number, withDayOfWeek: boolean, padDay: boolean): string {
  return rfc2822Fields(new Date(d.getTime() + offsetMinutes * 60_000), offsetMinutes, withDayOfWeek, padDay);
}

/** ISO 8601 text of a wall-clock time (fields in `local`'s UTC fields) with the given zone. */
export function isoFields(local: Date, zone: string): string {
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}` +
    `T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}${zone}`
  );
}

/** A DateTime value as the schema's scalar would serialise it: must not throw. */
export function expectDateTimeSafe(date: string): void {
  expect(typeof date).toBe('string');
  expect(new Date(date).toISOString()).toBe(date);
  expect(() => DateTimeResolver.serialize(date)).not.toThrow();
}

/** Every field of a mapped call is accepted by the scalar / enum the schema gives it. */
export function expectFieldBoundarySafe(call: Call, upstream: TalkstackCall): void {
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

export const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
export const whitespace = fc
  .array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u2028', '\ufeff'), { maxLength: 3 })
  .map((chars) => chars.join(''));
export const blankString = whitespace;

/** A known status in random case with 1–3 of `-`, `_`, space between its words. */
export const statusVariant = fc
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
export const wideDateText = fc
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

export const twilioUrl = fc
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
export const twilioLikeUrl = fc
  .tuple(fc.stringMatching(/^[Rr][Ee][0-9a-fA-F]{32}$/), fc.constantFrom('', '.mp3', '.wav', '.MP3', '.json', '/'))
  .map(([sid, ext]) => `https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/${sid}${ext}`);

export const anyUrlString = fc.oneof(
  fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }),
  twilioUrl.map((t) => t.url),
  fc.string(),
  fc.constantFrom('ftp://example.com/a.mp3', 'javascript:alert(1)', 'mailto:a@b.c', '/relative.mp3', 'http://', 'https://x.test/A.WAV'),
);

export const phoneText = fc.oneof(
  fc.stringMatching(/^\+[1-9]\d{6,14}$/),
  fc.stringMatching(/^\+?[0-9 ().\-]{0,20}$/),
  fc.constantFrom('+1 (555) 123-4567', '+44 20 7946 0958', '+49.30.123456', '0049301234567', '+0123456789'),
  fc.string(),
);

export const numberLike = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.integer({ min: MAX_INT - 2, max: MAX_INT + 2 }),
  fc.constantFrom(0, -0, 0.5, -1, 1e21, Number.MAX_VALUE, Number.MIN_VALUE),
);

export const shiftAnswer = fc.oneof(
  blankString,
  fc.tuple(whitespace, fc.constantFrom('true', 'TRUE', 'Yes', 'yes', 'false', 'No', 'NO', 'maybe'), whitespace).map((p) => p.join('')),
  fc.string(),
  fc.jsonValue(),
);

export const dataObject = fc.oneof(
  fc.record(
    { employeeGoToWork: shiftAnswer, reasonOfCancellation: shiftAnswer, newDate: shiftAnswer },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string(), fc.jsonValue()),
  fc.jsonValue(),
);

export const idLike = fc.oneof(blankString, fc.string(), fc.integer(), fc.double(), fc.jsonValue());

/** An upstream body: every documented field optional, of the right type or not, plus extra keys. */
export const upstreamBody = fc
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
export const upstreamJsonBody = upstreamBody.map((body) => parseJson(JSON.stringify(body)));

/** A decoded call (status forced to be a string so decoding succeeds). */
export const decodedCallArbitrary = upstreamBody
  .chain((body) => fc.oneof(statusVariant.map((s) => s.variant), fc.string()).map((status) => ({ ...body, status })))
  .map((body) => {
    const decoded = decodeCall(parseJson(JSON.stringify(body)));
    if (decoded === null) throw new Error('a body with a string status must decode');
    return decoded;
  });

/**
 * Upstream call → API call, by the contract's mapping rules. Pure and total: whatever the
 * decoded body holds, this returns a call whose every field serialises (a value the schema's
 * scalars would refuse becomes null here, so one odd field never errors the whole call).
 */
import type { TalkstackCall } from '../talkstack/decode.js';
import type { Call, CallAddress, Recording, RecordingFormat, ShiftData } from './call.js';
import { isFinalStatus, toCallStatus } from './callStatus.js';
import { cutDeepData } from './dataDepth.js';

const MAX_INT = 2_147_483_647;
const TWILIO_RECORDING_PATH = /\/Recordings\/(RE[0-9a-fA-F]{32})(\.[A-Za-z0-9]+)?$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const PHONE_FORMATTING = /[\s().-]/g;

/** `upstream` as this API exposes it; `fetchedAt` (ms since epoch) is when Talkstack answered it. */
export function mapCall(address: CallAddress, upstream: TalkstackCall, fetchedAt: number = Date.now()): Call {
  const status = toCallStatus(upstream.status);
  return {
    sid: address.sid,
    projectId: address.projectId,
    status,
    upstreamStatus: upstream.status,
    isFinal: isFinalStatus(status),
    from: toPhoneNumber(upstream.from),
    to: toPhoneNumber(upstream.to),
    phoneNumber: toPhoneNumber(upstream.phoneNumber),
    date: toIsoDate(upstream.date),
    durationSeconds: toDurationSeconds(upstream.seconds),
    cost: toCost(upstream.cost),
    recordings: toRecordings(upstream.recordingUrls),
    shift: toShiftData(upstream),
    data: cutDeepData(upstream.data),
    fetchedAt: new Date(fetchedAt).toISOString(),
  };
}

/** E.164, tolerating spaces, dashes, dots and brackets in what upstream sends. */
export function toPhoneNumber(value: string | null): string | null {
  if (value === null) return null;
  const compact = value.replace(PHONE_FORMATTING, '');
  return E164.test(compact) ? compact : null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** RFC 2822: `[Tue, ]30 Jan 2024 13:39:53 +0000` (seconds optional; GMT/UT/UTC/Z as zones). */
const RFC_2822 =
  /^(?:[a-z]{3},\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|gmt|ut|utc|z)$/i;
/** ISO 8601 / RFC 3339 date-time with an explicit zone. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(z|[+-]\d{2}:?\d{2})$/i;

/**
 * RFC 2822 (what Talkstack documents) or ISO 8601 with a zone → ISO 8601 in UTC; anything
 * else is null. `Date.parse` alone is too lenient: it makes dates out of text like "call 12"
 * and reads zone-less text in the server's local time.
 */
export function toIsoDate(value: string | null): string | null {
  if (value === null) return null;
  const text = value.trim();
  const rfc = RFC_2822.exec(text);
  if (rfc) {
    const [, day, month, year, hour, minute, second = '0', zone = ''] = rfc;
    const monthIndex = MONTHS.indexOf((month ?? '').toLowerCase());
    if (monthIndex < 0) return null;
    return utcIso(Number(year), monthIndex, Number(day), Number(hour), Number(minute), Number(second), zoneOffsetMinutes(zone));
  }
  const iso = ISO_8601.exec(text);
  if (iso) {
    const [, year, month, day, hour, minute, second = '0', zone = ''] = iso;
    return utcIso(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), zoneOffsetMinutes(zone));
  }
  return null;
}

function zoneOffsetMinutes(zone: string): number {
  const numeric = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!numeric) return 0; // GMT, UT, UTC, Z
  const minutes = Number(numeric[2]) * 60 + Number(numeric[3]);
  return numeric[1] === '-' ? -minutes : minutes;
}

/**
 * The instant, or null when a part is out of range (31 Feb would roll into March) or the
 * instant falls outside years 0000–9999, which RFC 3339 (the DateTime scalar) cannot write.
 */
function utcIso(year: number, month: number, day: number, hour: number, minute: number, second: number, offsetMinutes: number): string | null {
  if (hour > 23 || minute > 59 || second > 60 || Math.abs(offsetMinutes) > 18 * 60) return null;
  const local = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  local.setUTCFullYear(year, month, day);
  local.setUTCHours(hour, minute, Math.min(second, 59), 0);
  if (local.getUTCFullYear() !== year || local.getUTCMonth() !== month || local.getUTCDate() !== day) return null;
  const instant = new Date(local.getTime() - offsetMinutes * 60_000);
  const instantYear = instant.getUTCFullYear();
  return instantYear >= 0 && instantYear <= 9999 ? instant.toISOString() : null;
}

export function toDurationSeconds(value: number | null): number | null {
  if (value === null || !Number.isFinite(value) || value < 0) return null;
  // Math.max turns -0 into 0.
  const seconds = Math.max(0, Math.floor(value));
  return seconds <= MAX_INT ? seconds : null;
}

export function toCost(value: number | null): number | null {
  return value === null || !Number.isFinite(value) || value < 0 ? null : Math.max(0, value);
}

export function toRecordings(urls: readonly string[]): Recording[] {
  const recordings: Recording[] = [];
  for (const raw of urls) {
    const url = parseHttpUrl(raw);
    if (!url) continue;
    const twilio = twilioRecordingSid(url);
    recordings.push({ url: url.href, sid: twilio?.sid ?? null, format: formatOf(url, twilio !== null) });
  }
  return recordings;
}

function parseHttpUrl(raw: string): URL | null {
  if (!URL.canParse(raw)) return null;
  const url = new URL(raw);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

function twilioRecordingSid(url: URL): { sid: string } | null {
  const host = url.hostname.toLowerCase();
  if (host !== 'twilio.com' && !host.endsWith('.twilio.com')) return null;
  const match = TWILIO_RECORDING_PATH.exec(url.pathname);
  return match?.[1] ? { sid: match[1] } : null;
}

function formatOf(url: URL, isTwilioRecording: boolean): RecordingFormat {
  const path = url.pathname.toLowerCase();
  if (path.endsWith('.mp3')) return 'MP3';
  if (path.endsWith('.wav')) return 'WAV';
  // Twilio serves a recording URL without an extension as WAV.
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  if (isTwilioRecording && !lastSegment.includes('.')) return 'WAV';
  return 'OTHER';
}

/** Trimmed text, or null when absent, not a string, or empty. */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** "true"/"yes" → true, "false"/"no" → false, anything else → null. */
export function toEmployeeGoesToWork(value: unknown): boolean | null {
  const answer = text(value)?.toLowerCase();
  if (answer === 'true' || answer === 'yes') return true;
  if (answer === 'false' || answer === 'no') return false;
  return null;
}

export function toShiftData(upstream: TalkstackCall): ShiftData | null {
  const { data } = upstream;
  const references = [upstream.partnerId, upstream.shiftId, upstream.assignmentId].map(text);
  // Answers are kept as sent; only blank ones count as absent.
  const answers = [data['employeeGoToWork'], data['reasonOfCancellation'], data['newDate']].map(text);
  if ([...references, ...answers].every((value) => value === null)) return null;
  return {
    partnerId: references[0] ?? null,
    shiftId: references[1] ?? null,
    assignmentId: references[2] ?? null,
    employeeGoesToWork: toEmployeeGoesToWork(data['employeeGoToWork']),
    cancellationReason: answers[1] === null ? null : (data['reasonOfCancellation'] as string),
    newDate: answers[2] === null ? null : (data['newDate'] as string),
  };
}

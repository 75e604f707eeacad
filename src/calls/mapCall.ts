/**
 * Upstream call → API call, by the contract's mapping rules. Pure and total: whatever the
 * decoded body holds, this returns a call whose every field serialises (a value the schema's
 * scalars would refuse becomes null here, so one odd field never errors the whole call).
 */
import type { TalkstackCall } from '../talkstack/decode.js';
import type { Call, CallAddress, Recording, RecordingFormat, ShiftData } from './call.js';
import { isFinalStatus, toCallStatus } from './callStatus.js';

const MAX_INT = 2_147_483_647;
const TWILIO_RECORDING_PATH = /\/Recordings\/(RE[0-9a-f]{32})(\.[a-z0-9]+)?$/i;
const E164 = /^\+[1-9]\d{6,14}$/;
const PHONE_FORMATTING = /[\s().-]/g;

export function mapCall(address: CallAddress, upstream: TalkstackCall): Call {
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
    data: upstream.data,
  };
}

/** E.164, tolerating spaces, dashes, dots and brackets in what upstream sends. */
export function toPhoneNumber(value: string | null): string | null {
  if (value === null) return null;
  const compact = value.replace(PHONE_FORMATTING, '');
  return E164.test(compact) ? compact : null;
}

/** RFC 2822 (or any form Date parses unambiguously) → ISO 8601 in UTC. */
export function toIsoDate(value: string | null): string | null {
  if (value === null || value.trim() === '') return null;
  const time = Date.parse(value);
  if (!Number.isFinite(time)) return null;
  const date = new Date(time);
  // Years outside 0000–9999 print in an extended form that is not an RFC 3339 date-time.
  const year = date.getUTCFullYear();
  return year >= 0 && year <= 9999 ? date.toISOString() : null;
}

export function toDurationSeconds(value: number | null): number | null {
  if (value === null || !Number.isFinite(value) || value < 0) return null;
  const seconds = Math.floor(value);
  return seconds <= MAX_INT ? seconds : null;
}

export function toCost(value: number | null): number | null {
  return value === null || !Number.isFinite(value) || value < 0 ? null : value;
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

/**
 * A `Call` read back from shared storage (Redis: the cache tier's values, the pollers' messages
 * and `:last` keys), checked against the very rules `mapCall.ts` produces calls by. Anyone who
 * can write to Redis can put anything there; what this accepts is only what this server's own
 * mapping could have produced for the address asked for, so a forged or corrupt value can
 * never reach a resolver, a subscriber or a snapshot comparison as something new.
 *
 * Contract:
 * - `sharedCallOf(value, address)` is the call when `value` is one, else undefined (never
 *   throws, whatever `value` is): `sid` and `projectId` equal `address`'s; `status` is the
 *   mapping of `upstreamStatus` and `isFinal` that of `status`; phone numbers are E.164, `date`
 *   an ISO 8601 UTC date-time, `durationSeconds` a non-negative integer, `cost` a non-negative
 *   finite number (each or null), as mapCall's own functions give them; each recording is what
 *   mapCall derives from its URL (absolute http(s), same sid and format); `shift` has the
 *   mapping's fields and types; `data` is an object with no object or array at depth
 *   `MAX_DATA_DEPTH` (dataDepth.ts: what a cut leaves); `fetchedAt` is an instant as
 *   `Date#toISOString` writes it;
 * - the call returned is a new object of the known fields only, in mapCall's order: keys a
 *   value adds are dropped, so its JSON is what this server would have written;
 * - `sharedCallBytesLimit(UPSTREAM_MAX_BODY_BYTES)` bounds what a reader takes from shared
 *   storage at all (a mapped call is never much larger than its body); callers refuse larger
 *   values before parsing them.
 * Only Redis reads pay for this: calls held in memory were checked, or mapped, already.
 */
import type { Call, CallAddress, Recording, ShiftData } from './call.js';
import { type CallStatus, isFinalStatus, toCallStatus } from './callStatus.js';
import { MAX_DATA_DEPTH } from './dataDepth.js';
import { toCost, toDurationSeconds, toIsoDate, toPhoneNumber, toRecordings } from './mapCall.js';

/** The largest call value read back from shared storage (Redis) with `upstreamMaxBodyBytes`. */
export const sharedCallBytesLimit = (upstreamMaxBodyBytes: number): number => 4 * upstreamMaxBodyBytes;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** what the mapping gives for a field: null, or a value its own function leaves unchanged */
function mapped<T>(value: unknown, type: 'string' | 'number', map: (value: T) => T | null): boolean {
  return value === null || (typeof value === type && map(value as T) === value);
}

function recordingOf(value: unknown): Recording | undefined {
  if (!isObject(value) || typeof value.url !== 'string') return undefined;
  const [derived] = toRecordings([value.url]);
  if (!derived || derived.url !== value.url || derived.sid !== value.sid || derived.format !== value.format) return undefined;
  return derived;
}

/** a reference as mapCall keeps it: trimmed, not empty */
const isReference = (value: unknown) => value === null || (typeof value === 'string' && value !== '' && value.trim() === value);
/** an answer as mapCall keeps it: as sent, not blank */
const isAnswer = (value: unknown) => value === null || (typeof value === 'string' && value.trim() !== '');

function shiftOf(value: unknown): ShiftData | null | undefined {
  if (value === null) return null;
  if (!isObject(value)) return undefined;
  const { partnerId, shiftId, assignmentId, employeeGoesToWork, cancellationReason, newDate } = value;
  if (!isReference(partnerId) || !isReference(shiftId) || !isReference(assignmentId)) return undefined;
  if (!(employeeGoesToWork === null || typeof employeeGoesToWork === 'boolean') || !isAnswer(cancellationReason) || !isAnswer(newDate)) return undefined;
  return { partnerId, shiftId, assignmentId, employeeGoesToWork, cancellationReason, newDate } as ShiftData;
}

/**
 * No object or array at depth `MAX_DATA_DEPTH` (data itself is depth 1). Iterative, and never
 * deeper than the limit: a value nested 100,000 levels costs 32 steps down, not a stack overflow.
 */
function isCutData(data: Record<string, unknown>): boolean {
  const stack: { value: object; depth: number }[] = [{ value: data, depth: 1 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    for (const child of Object.values(next.value)) {
      if (typeof child !== 'object' || child === null) continue;
      if (next.depth + 1 >= MAX_DATA_DEPTH) return false;
      stack.push({ value: child, depth: next.depth + 1 });
    }
  }
  return true;
}

/** The call in `value` when this server's mapping could have produced it for `address`, else undefined. */
export function sharedCallOf(value: unknown, address: CallAddress): Call | undefined {
  if (!isObject(value) || value.sid !== address.sid || value.projectId !== address.projectId) return undefined;
  const { status, upstreamStatus, isFinal, from, to, phoneNumber, date, durationSeconds, cost, recordings, shift: rawShift, data, fetchedAt } = value;
  if (typeof upstreamStatus !== 'string' || typeof status !== 'string' || toCallStatus(upstreamStatus) !== status) return undefined;
  if (isFinal !== isFinalStatus(status as CallStatus)) return undefined;
  if (!mapped(from, 'string', toPhoneNumber) || !mapped(to, 'string', toPhoneNumber) || !mapped(phoneNumber, 'string', toPhoneNumber)) return undefined;
  if (!mapped(date, 'string', toIsoDate) || !mapped(durationSeconds, 'number', toDurationSeconds) || !mapped(cost, 'number', toCost)) return undefined;
  if (!Array.isArray(recordings)) return undefined;
  const checkedRecordings: Recording[] = [];
  for (const recording of recordings) {
    const checked = recordingOf(recording);
    if (!checked) return undefined;
    checkedRecordings.push(checked);
  }
  const shift = shiftOf(rawShift);
  if (shift === undefined || !isObject(data) || !isCutData(data)) return undefined;
  if (typeof fetchedAt !== 'string' || !isFetchedAt(fetchedAt)) return undefined;
  return {
    sid: address.sid,
    projectId: address.projectId,
    status: status as CallStatus,
    upstreamStatus,
    isFinal: isFinal as boolean,
    from: from as string | null,
    to: to as string | null,
    phoneNumber: phoneNumber as string | null,
    date: date as string | null,
    durationSeconds: durationSeconds as number | null,
    cost: cost as number | null,
    recordings: checkedRecordings,
    shift,
    data,
    fetchedAt,
  };
}

/** `Date#toISOString()`'s own form, and a real instant. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isFetchedAt = (text: string): boolean => ISO_INSTANT.test(text) && new Date(text).toISOString() === text;

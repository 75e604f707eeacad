/**
 * Talkstack's status strings as this API's `CallStatus`. Upstream spellings vary in case and
 * separators, and new statuses may appear: anything unrecognised is UNKNOWN, never an error.
 */
/** The call can still change: Talkstack has not triggered it yet, or it is under way. */
const TEMPORARY_STATUSES = ['QUEUED', 'INITIATED', 'RINGING', 'IN_PROGRESS'] as const;
/** The status can no longer change. */
const FINAL_STATUS_LIST = ['COMPLETED', 'VOICEMAIL', 'BUSY', 'SILENCE', 'FAILED', 'NO_ANSWER', 'CANCELED'] as const;

/** Every status, in the schema's order; UNKNOWN is neither temporary nor final (see Call.upstreamStatus). */
export const CALL_STATUSES = [...TEMPORARY_STATUSES, ...FINAL_STATUS_LIST, 'UNKNOWN'] as const;

export type CallStatus = (typeof CALL_STATUSES)[number];

const FINAL_STATUSES: ReadonlySet<CallStatus> = new Set<CallStatus>(FINAL_STATUS_LIST);

const KNOWN: ReadonlyMap<string, CallStatus> = new Map<string, CallStatus>([
  ...CALL_STATUSES.filter((status) => status !== 'UNKNOWN').map((status) => [status, status] as const),
  ['CANCELLED', 'CANCELED'],
]);

/** `in-progress`, `In Progress`, `IN_PROGRESS` → IN_PROGRESS; `cancelled` → CANCELED. */
export function toCallStatus(upstream: string): CallStatus {
  const normalised = upstream.trim().toUpperCase().replace(/[-_\s]+/g, '_');
  return KNOWN.get(normalised) ?? 'UNKNOWN';
}

/** True once the status can no longer change. */
export function isFinalStatus(status: CallStatus): boolean {
  return FINAL_STATUSES.has(status);
}

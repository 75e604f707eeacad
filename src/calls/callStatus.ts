/**
 * Talkstack's status strings as this API's `CallStatus`. Upstream spellings vary in case and
 * separators, and new statuses may appear: anything unrecognised is UNKNOWN, never an error.
 */
export const CALL_STATUSES = [
  'QUEUED',
  'INITIATED',
  'RINGING',
  'IN_PROGRESS',
  'COMPLETED',
  'VOICEMAIL',
  'BUSY',
  'SILENCE',
  'FAILED',
  'NO_ANSWER',
  'CANCELED',
  'UNKNOWN',
] as const;

export type CallStatus = (typeof CALL_STATUSES)[number];

const FINAL_STATUSES: ReadonlySet<CallStatus> = new Set<CallStatus>([
  'COMPLETED',
  'VOICEMAIL',
  'BUSY',
  'SILENCE',
  'FAILED',
  'NO_ANSWER',
  'CANCELED',
]);

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

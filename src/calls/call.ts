/**
 * The call as this API exposes it: what the schema's `Call`, `Recording` and `ShiftData`
 * types read. Built from an upstream body by `mapCall.ts`; plain data, safe to cache.
 */
import type { CallStatus } from './callStatus.js';

export type RecordingFormat = 'MP3' | 'WAV' | 'OTHER';

export interface Recording {
  url: string;
  sid: string | null;
  format: RecordingFormat;
}

export interface ShiftData {
  partnerId: string | null;
  shiftId: string | null;
  assignmentId: string | null;
  employeeGoesToWork: boolean | null;
  cancellationReason: string | null;
  newDate: string | null;
}

export interface Call {
  sid: string;
  projectId: string;
  status: CallStatus;
  upstreamStatus: string;
  isFinal: boolean;
  from: string | null;
  to: string | null;
  phoneNumber: string | null;
  /** ISO 8601 */
  date: string | null;
  durationSeconds: number | null;
  cost: number | null;
  recordings: Recording[];
  shift: ShiftData | null;
  data: Record<string, unknown>;
  /**
   * When Talkstack answered the state shown (ISO 8601, UTC, ms). Older than the request when
   * the call comes from the store, a shared fetch or Redis, or is a stale answer.
   */
  fetchedAt: string;
}

/** Where a call lives upstream; what the loader and the entity key are made of. */
export interface CallAddress {
  projectId: string;
  sid: string;
}

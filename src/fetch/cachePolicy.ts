/**
 * Which calls the caches keep, and how long (contract: "Caching and live updates"): only calls
 * whose status is final and that look settled. A `COMPLETED` call needs its `durationSeconds`
 * and `cost`, and one without recordings yet (they may still come) is kept for at most 60 s;
 * other final calls for `CACHE_TTL_SECONDS`. Unfinished calls, unknown calls and failures are
 * never kept. The memory layer and the Redis tier both follow it.
 */
import type { Call } from '../calls/call.js';

/** A COMPLETED call's recordings may still be on their way: look again after at most this. */
export const UNRECORDED_COMPLETED_TTL_SECONDS = 60;

/** How long `call` may be answered from a cache, in seconds; 0: not at all. */
export function cacheTtlSecondsOf(call: Call, ttlSeconds: number): number {
  if (!call.isFinal || ttlSeconds <= 0) return 0;
  if (call.status !== 'COMPLETED') return ttlSeconds;
  if (call.durationSeconds === null || call.cost === null) return 0;
  return call.recordings.length === 0 ? Math.min(ttlSeconds, UNRECORDED_COMPLETED_TTL_SECONDS) : ttlSeconds;
}

/**
 * Which sids the examples show in demo mode. A real dashboard knows the calls it placed (its
 * own records); against the built-in simulator the examples take its demo calls: the live
 * calls moving right now, a few finished samples, and on request the error-state sids, so
 * every kind of row shows. Demo data only: reads the simulator's own tables (Node; the web
 * example's server hands them to the page).
 */
import { DEFAULT_LIFECYCLE_STEP_MS, DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS, DEMO_SLOW_SID } from '../src/simulator/index.js';
import { RollingLiveCalls } from '../src/simulator/rollingLiveCalls.js';

/** The simulator's live calls at `now` (as `npm start` runs it: the default lifecycle step), newest first. */
export function liveDemoSids(now = Date.now()): string[] {
  return new RollingLiveCalls(DEFAULT_LIFECYCLE_STEP_MS).liveAt(now).map((call) => call.sid);
}

/**
 * Live calls, then finished samples; with `errors`, the slow call and the error states after
 * them (slowest last: `@stream` keeps list order, so a slow entry holds back only those after it).
 */
export function demoPageSids(options: { errors?: boolean; now?: number } = {}): string[] {
  const sids = [...liveDemoSids(options.now), ...DEMO_SAMPLE_SIDS.slice(0, 6).map((sample) => sample.sid)];
  if (!options.errors) return sids;
  const byCode = (code: string | null) => DEMO_ERROR_SIDS.filter((entry) => entry.code === code).map((entry) => entry.sid);
  return [
    ...sids,
    ...byCode(null),
    ...byCode('UPSTREAM_BAD_RESPONSE'),
    DEMO_SLOW_SID,
    ...byCode('UPSTREAM_ERROR'),
    ...byCode('RATE_LIMITED'),
    ...byCode('UPSTREAM_TIMEOUT'),
  ];
}

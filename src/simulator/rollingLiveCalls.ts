/**
 * Live calls that keep coming: the demo project gets a new call every `intervalMs` of the
 * simulator's clock, which moves queued → ringing → in-progress → completed. The fixed live
 * calls of `demoData.ts` are all final ~40 s after start; these give someone who arrives
 * later a call that still moves.
 *
 * Nothing is stored. A call's birth slot is `floor(now / intervalMs)` (wall-clock slots, not
 * slots since start, so a sid means the same call in every process and run), and its sid
 * carries that slot plus a check derived from it: any such sid is answered from the clock
 * alone, two requests at the same instant agree, and a made-up sid is still unknown.
 *
 * The next call is announced one interval before its birth: from then on its sid answers
 * `queued` (`upcomingAt`), so GraphiQL's WatchCall can name it at page load and whoever runs
 * the tab sees the call from its first state to `completed`, with nothing created by the page.
 */
import type { CallResponseBody } from '../talkstack/wire.js';
import { cost, rfc2822 } from './demoData.js';
import { prepareJson, type PreparedResponse } from './faults.js';
import { LIFECYCLE_STATUSES, type LifecycleStatus } from './lifecycle.js';
import { fictionalCall, fictionalRecordingUrl, SidRandom } from './synthetic.js';

/**
 * Steps spent in queued, ringing and in-progress. In-progress lasts two steps so that the
 * newest call, whatever its age within its slot, still has a stage change or two ahead.
 */
const STAGE_STEPS = [1, 1, 2] as const;
const STEPS_TO_COMPLETE = STAGE_STEPS.reduce((sum, steps) => sum + steps, 0);
/** A new call every 2.5 lifecycle steps: 20 s with the default 8 s step. */
export const DEFAULT_INTERVAL_STEPS = 2.5;
/** How long a completed call stays answerable (after that: 404, like a call Talkstack purged). */
export const ROLLING_RETENTION_MS = 60 * 60 * 1000;

// The slot is written in the sid's last 12 hex digits; the 20 before them are the check.
const SLOT_HEX = 12;
const CHECK_HEX = 20;
const MAX_SLOT = 16 ** SLOT_HEX - 1;
const ROLLING_SID = new RegExp(`^CA([0-9a-f]{${CHECK_HEX}})([0-9a-f]{${SLOT_HEX}})$`);
// Prepared bodies per sid: a live call is polled every couple of seconds by its watchers.
const CACHE_LIMIT = 256;

const ANSWERS = [
  { employeeGoToWork: 'true', reasonOfCancellation: '', newDate: '' },
  { employeeGoToWork: 'false', reasonOfCancellation: 'Sick', newDate: '' },
  { employeeGoToWork: 'no', reasonOfCancellation: 'Car broke down', newDate: '2024-02-02' },
] as const;

export interface RollingLiveCall {
  readonly sid: string;
  readonly status: LifecycleStatus;
  /** clock time the call was (or will be) born; it answers `queued` from one interval before */
  readonly bornAt: number;
  /** clock time it is (or was) completed */
  readonly completesAt: number;
}

export interface RollingSchedule {
  /** a new call is born every `intervalMs` */
  readonly intervalMs: number;
  /** from birth to `completed` */
  readonly lifetimeMs: number;
  readonly stepMs: number;
}

function seeded(slot: number): SidRandom {
  return new SidRandom(`rolling-live:${slot}`);
}

function checkOf(slot: number): string {
  const random = seeded(slot);
  return `${random.hex8()}${random.hex8()}${random.hex8()}`.slice(0, CHECK_HEX);
}

export class RollingLiveCalls {
  readonly schedule: RollingSchedule;
  readonly #cache = new Map<string, readonly PreparedResponse[]>();

  constructor(stepMs: number, intervalMs = stepMs * DEFAULT_INTERVAL_STEPS) {
    if (!(Number.isFinite(intervalMs) && intervalMs >= 1)) {
      throw new RangeError(`liveCallIntervalMs must be a finite number >= 1, got ${String(intervalMs)}`);
    }
    this.schedule = { intervalMs, stepMs, lifetimeMs: STEPS_TO_COMPLETE * stepMs };
  }

  sidOf(slot: number): string {
    return `CA${checkOf(slot)}${slot.toString(16).padStart(SLOT_HEX, '0')}`;
  }

  /** Calls born at or before `now` that are not completed yet, newest first (never empty when lifetime ≥ interval). */
  liveAt(now: number): RollingLiveCall[] {
    const calls: RollingLiveCall[] = [];
    for (let slot = this.#slotAt(now); slot >= 0; slot--) {
      const call = this.#callAt(slot, now);
      if (call.status === 'completed') break;
      calls.push(call);
    }
    return calls;
  }

  /**
   * The call born next after `now`: announced already, so its sid answers `queued` until its
   * birth (`bornAt`, at most one interval away), then moves on like the others.
   */
  upcomingAt(now: number): RollingLiveCall {
    const slot = this.#slotAt(now) + 1;
    if (slot > MAX_SLOT) throw new RangeError(`clock out of range for live call sids: ${String(now)}`);
    return this.#callAt(slot, now);
  }

  /** The answer for `sid` at `now`, or undefined when it is no rolling call (or not announced yet, or retired). */
  response(sid: string, now: number): PreparedResponse | undefined {
    const match = ROLLING_SID.exec(sid);
    if (!match) return undefined;
    const slot = Number.parseInt(match[2] ?? '', 16);
    const bornAt = slot * this.schedule.intervalMs;
    if (bornAt - this.schedule.intervalMs > now || now - bornAt > ROLLING_RETENTION_MS || match[1] !== checkOf(slot)) return undefined;
    const stage = LIFECYCLE_STATUSES.indexOf(this.#callAt(slot, now).status);
    return this.#responses(sid, slot)[stage];
  }

  #slotAt(now: number): number {
    const slot = Math.floor(now / this.schedule.intervalMs);
    if (!(slot >= 0 && slot <= MAX_SLOT)) throw new RangeError(`clock out of range for live call sids: ${String(now)}`);
    return slot;
  }

  #callAt(slot: number, now: number): RollingLiveCall {
    const { intervalMs, stepMs, lifetimeMs } = this.schedule;
    const bornAt = slot * intervalMs;
    return { sid: this.sidOf(slot), status: stageAfter(now - bornAt, stepMs), bornAt, completesAt: bornAt + lifetimeMs };
  }

  #responses(sid: string, slot: number): readonly PreparedResponse[] {
    const cached = this.#cache.get(sid);
    if (cached) return cached;
    const responses = lifecycleBodies(sid, slot, slot * this.schedule.intervalMs + this.schedule.lifetimeMs).map((body) =>
      prepareJson(200, body),
    );
    // Map keeps insertion order: the first key is the oldest.
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value ?? '');
    this.#cache.set(sid, responses);
    return responses;
  }
}

/** The stage `elapsedMs` after birth; before birth (an announced call) `queued`. */
function stageAfter(elapsedMs: number, stepMs: number): LifecycleStatus {
  let steps = Math.floor(elapsedMs / stepMs);
  for (let stage = 0; stage < STAGE_STEPS.length; stage++) {
    steps -= STAGE_STEPS[stage] ?? 0;
    if (steps < 0) return LIFECYCLE_STATUSES[stage] ?? 'queued';
  }
  return 'completed';
}

/** One body per lifecycle stage; only `completed` carries seconds, cost, recordings, answers and a date. */
function lifecycleBodies(sid: string, slot: number, completedAt: number): CallResponseBody[] {
  const random = seeded(slot);
  // Skip the draws the check used, so fields do not repeat the sid's digits.
  random.hex8();
  random.hex8();
  random.hex8();
  const base = fictionalCall(random, sid, 'queued');
  const seconds = 40 + random.below(161);
  const completed: Partial<CallResponseBody> = {
    seconds,
    cost: cost(seconds),
    date: rfc2822(completedAt),
    recordingUrls: [fictionalRecordingUrl(random)],
    data: { ...(ANSWERS[slot % ANSWERS.length] ?? ANSWERS[0]) },
  };
  return LIFECYCLE_STATUSES.map((status) => (status === 'completed' ? { ...base, ...completed, status } : { ...base, status }));
}

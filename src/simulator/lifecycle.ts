/**
 * How a "live" demo call evolves: its stage is a pure function of the simulator's clock, so
 * a test that injects `now()` gets exactly the stage it asks for, and two requests at the
 * same instant always agree, whatever order they arrive in.
 *
 * The clock starts when the simulator starts (not at a call's first request): the demo
 * then behaves the same whether or not someone looked at the call early.
 */
import type { CallResponseBody } from '../talkstack/wire.js';
import { rfc2822, type DemoLiveCall } from './demoData.js';

export const LIFECYCLE_STATUSES = ['queued', 'ringing', 'in-progress', 'completed'] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

export const DEFAULT_LIFECYCLE_STEP_MS = 8000;

const LAST_STAGE = LIFECYCLE_STATUSES.length - 1;

/** Index into {@link LIFECYCLE_STATUSES}: one stage per `stepMs`, after `startsAfterSteps` steps; stays completed. */
export function lifecycleStage(elapsedMs: number, stepMs: number, startsAfterSteps: number): number {
  const steps = Math.floor(elapsedMs / stepMs) - startsAfterSteps;
  // A clock that goes backwards (an injected now()) reads as "not started yet".
  if (!(steps > 0)) return 0;
  return steps >= LAST_STAGE ? LAST_STAGE : steps;
}

/** The body at each stage, built once per simulator: requests then only pick one. */
export function lifecycleBodies(call: DemoLiveCall, startedAt: number, stepMs: number): CallResponseBody[] {
  return LIFECYCLE_STATUSES.map((status, stage) => {
    const body: CallResponseBody = { status, ...call.base };
    if (stage === LAST_STAGE) {
      Object.assign(body, call.completed);
      body.date = rfc2822(startedAt + (call.startsAfterSteps + LAST_STAGE) * stepMs);
    }
    return body;
  });
}

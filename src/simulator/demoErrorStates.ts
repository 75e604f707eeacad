/**
 * Standing error states of the demo project: permanent sids that answer as Talkstack's
 * failures do, so a UI developer sees each `extensions.code` in demo mode without writing
 * code or injecting faults, and a slow call for showing `@stream`/`@defer`.
 *
 * They belong to the demo account's data, not to the fault table: any credential of the
 * demo account reaches them in the demo project (an unknown credential still gets 401),
 * `clearFaults()` leaves them, and other accounts and projects never see them. They are
 * kept out of `DEMO_CALLS`, whose sids and counts tests rely on.
 */
import type { CallResponseBody } from '../talkstack/wire.js';
import { cost, LINES, rfc2822, TWILIO_ACCOUNT_SID } from './demoData.js';
import type { Fault } from './faults.js';

/** One error-state sid, as the start-up banner and the README list it. */
export interface DemoErrorSid {
  readonly sid: string;
  /** what the upstream does for it */
  readonly label: string;
  /** the `extensions.code` a client gets for this call; `null`: the call is `null`, with no error */
  readonly code: string | null;
}

interface DemoErrorState extends DemoErrorSid {
  /** how the simulator answers every request for it */
  readonly fault: Fault;
}

const ERROR_STATES: readonly DemoErrorState[] = [
  {
    sid: 'demo-error-500',
    label: 'upstream 500 on every try',
    code: 'UPSTREAM_ERROR',
    fault: { type: 'status', status: 500, body: { error: 'internal server error' } },
  },
  {
    sid: 'demo-error-429',
    label: 'upstream 429 with Retry-After: 1 (and its quota, RateLimit-Policy: 10;w=1) on every try',
    code: 'RATE_LIMITED',
    // The quota announced, as well-behaved APIs do: the tenant is paced to it, not to a rate
    // learned from nothing, so the other error states sent with it are not slowed down.
    fault: { type: 'status', status: 429, headers: { 'retry-after': '1', 'ratelimit-policy': '10;w=1' }, body: { error: 'too many requests' } },
  },
  {
    // A hang rather than a long delay: whatever UPSTREAM_TIMEOUT_MS is, the try times out,
    // and the client's abort is what frees the socket.
    sid: 'demo-error-timeout',
    label: 'upstream never answers (each try times out)',
    code: 'UPSTREAM_TIMEOUT',
    fault: { type: 'hang' },
  },
  {
    sid: 'demo-error-unknown',
    label: 'upstream 404: the call is null, no error',
    code: null,
    fault: { type: 'status', status: 404, body: { error: 'call not found' } },
  },
  {
    // What a misconfigured proxy or captive portal answers: a 200 that is no call at all.
    sid: 'demo-error-malformed',
    label: 'upstream 200 with an HTML page, not a call',
    code: 'UPSTREAM_BAD_RESPONSE',
    fault: {
      type: 'raw',
      status: 200,
      body: '<!doctype html><html><body><h1>Service temporarily unavailable</h1></body></html>',
      contentType: 'text/html; charset=utf-8',
    },
  },
];

/** The demo project's error-state sids, each with the code a client sees for it. */
export const DEMO_ERROR_SIDS: readonly DemoErrorSid[] = Object.freeze(
  ERROR_STATES.map(({ sid, label, code }) => Object.freeze({ sid, label, code })),
);

/** A normal completed call of the demo project that answers after {@link DEMO_SLOW_DELAY_MS}. */
export const DEMO_SLOW_SID = 'demo-slow-call';
export const DEMO_SLOW_DELAY_MS = 1000;

// A literal body, not the seeded generator of demoData.ts: drawing from it here would shift
// every value generated after, and tests pin those.
const SLOW_SECONDS = 95;
const SLOW_CALL_BODY: Readonly<CallResponseBody> = Object.freeze({
  status: 'completed',
  callSid: DEMO_SLOW_SID,
  from: LINES[0],
  to: '+15550100199',
  phoneNumber: '+15550100199',
  partnerId: 'prt_00042',
  shiftId: 'shf_5105ca11d3f0',
  assignmentId: 'asg_5105ca11d3f0',
  seconds: SLOW_SECONDS,
  cost: cost(SLOW_SECONDS),
  date: rfc2822(Date.UTC(2024, 0, 31, 9, 15, 0)),
  recordingUrls: [`https://api.twilio.com/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Recordings/RE5105ca11d3f05105ca11d3f05105ca.mp3`],
  data: { employeeGoToWork: 'true', reasonOfCancellation: '', newDate: '' },
});

/** A standing behaviour of one demo sid: a fault for every request, and for the slow call its body. */
export interface DemoStanding {
  readonly sid: string;
  readonly fault: Fault;
  /** the call answered once a `delay` fault has waited */
  readonly body?: Readonly<CallResponseBody>;
}

export const DEMO_STANDING: readonly DemoStanding[] = Object.freeze([
  ...ERROR_STATES.map(({ sid, fault }) => ({ sid, fault })),
  { sid: DEMO_SLOW_SID, fault: { type: 'delay', ms: DEMO_SLOW_DELAY_MS }, body: SLOW_CALL_BODY },
]);

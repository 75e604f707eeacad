/**
 * The soak's Talkstack: the built-in simulator, seeded with calls that answer well, calls
 * that fail in every way the contract names (permanently, so every request pays for them),
 * and the code each failure must surface as.
 */
import {
  DEMO_ACCOUNT,
  DEMO_CALLS,
  DEMO_LIVE_SIDS,
  DEMO_PROJECT_ID,
  startSimulator,
  type Fault,
  type Simulator,
} from '../../src/simulator/index.js';

/** How a faulty sid misbehaves upstream, and what the server must report for it. */
export interface FaultySid {
  readonly sid: string;
  readonly kind: FaultKind;
  /** `extensions.code` expected on the field; undefined when the call must resolve (with nulls). */
  readonly code: string | undefined;
  /**
   * The credential it is asked with, when its failures are the kind the upstream governor acts
   * on (429s pace and pause a tenant, 5xx/timeouts/resets open its breaker): a tenant of their
   * own, so the healthy tenant beside them is never slowed or refused (contract: "Tenants").
   * Such a field may also be refused by the governor (`GOVERNOR_CODES`). Undefined: asked with
   * the mix's usual credentials, in lists too.
   */
  readonly credential: Readonly<Record<string, string>> | undefined;
}

/** What the governor answers instead of sending, for a tenant Talkstack fails or rations. */
export const GOVERNOR_CODES: readonly string[] = ['UPSTREAM_UNAVAILABLE', 'RATE_LIMITED', 'TOO_MANY_REQUESTS'];

/**
 * Keys of the demo account for the failing tenants: one rationed (429s), one failing over four
 * distinct calls (its breaker opens: UPSTREAM_UNAVAILABLE), one whose two calls hang (too few
 * distinct calls to open a breaker: its tries time out).
 */
const RATIONED_KEY = 'soak-rationed-key';
const FAILING_KEY = 'soak-failing-key';
const HANGING_KEY = 'soak-hanging-key';

export type FaultKind = 'status500' | 'rateLimited' | 'hang' | 'malformed' | 'reset' | 'wrongTypes' | 'notACall';

export interface SoakUpstream {
  readonly sim: Simulator;
  /** Calls the simulator knows and answers normally. */
  readonly good: readonly string[];
  readonly faulty: readonly FaultySid[];
  /** Well-formed sids the simulator does not know (404 → null, no error). */
  readonly unknown: readonly string[];
}

/** Faults are keyed by sid, so each kind gets its own sids; two per kind spreads them over the mix. */
const FAULTS: ReadonlyArray<{ kind: FaultKind; code: string | undefined; fault?: Fault; body?: unknown; key?: string }> = [
  { kind: 'status500', code: 'UPSTREAM_ERROR', fault: { type: 'status', status: 500 }, key: FAILING_KEY },
  // retry-after 0 and a quota announced: the tenant is paced, not paused for seconds.
  { kind: 'rateLimited', code: 'RATE_LIMITED', fault: { type: 'status', status: 429, headers: { 'retry-after': '0', 'ratelimit-policy': '100;w=1' } }, key: RATIONED_KEY },
  { kind: 'hang', code: 'UPSTREAM_TIMEOUT', fault: { type: 'hang' }, key: HANGING_KEY },
  { kind: 'malformed', code: 'UPSTREAM_BAD_RESPONSE', fault: { type: 'raw', body: '{"status": "completed", oops' } },
  { kind: 'reset', code: 'UPSTREAM_ERROR', fault: { type: 'reset' }, key: FAILING_KEY },
  // Every optional field of the wrong type: the contract maps them to null and keeps the call.
  {
    kind: 'wrongTypes',
    code: undefined,
    body: {
      status: 'completed',
      seconds: 'forty',
      cost: '0.1',
      from: 4155550132,
      to: ['+14155550132'],
      phoneNumber: {},
      date: 1706621993,
      recordingUrls: 'https://api.twilio.com/x.mp3',
      callSid: true,
      partnerId: { id: 1 },
      shiftId: [],
      assignmentId: null,
      data: ['employeeGoToWork', 'yes'],
    },
  },
  // A 200 whose `status` is not a string is not a call at all.
  { kind: 'notACall', code: 'UPSTREAM_BAD_RESPONSE', body: { status: 3, seconds: 12 } },
];

const SIDS_PER_FAULT = 2;

export async function startSoakUpstream(latencyMs: number): Promise<SoakUpstream> {
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', latencyMs, seedDemo: true });
  sim.addCredentials(DEMO_ACCOUNT, { apiKeys: [RATIONED_KEY, FAILING_KEY, HANGING_KEY] });
  const faulty: FaultySid[] = [];
  for (const { kind, code, fault, body, key } of FAULTS) {
    for (let i = 0; i < SIDS_PER_FAULT; i++) {
      const sid = `CAsoak_${kind}_${i}`;
      if (fault) sim.injectFault(sid, fault);
      if (body !== undefined) sim.setCall(DEMO_PROJECT_ID, sid, body);
      faulty.push({ sid, kind, code, credential: key === undefined ? undefined : { 'x-api-key': key } });
    }
  }
  return {
    sim,
    good: [...DEMO_CALLS.map((call) => call.sid), ...DEMO_LIVE_SIDS],
    faulty,
    unknown: Array.from({ length: 8 }, (_, i) => `CAsoak_unknown_${i}`),
  };
}

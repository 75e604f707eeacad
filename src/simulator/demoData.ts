/**
 * The simulator's demo account: credentials, project and ~40 calls covering every status
 * the contract mentions (and a few spellings it must tolerate).
 *
 * Values come from a seeded generator walking a literal table, so every run, every
 * process and every test sees the same sids, numbers and amounts.
 */
import type { CallResponseBody } from '../talkstack/wire.js';

export const DEMO_API_KEY = 'demo-key';
export const DEMO_BEARER_TOKEN = 'demo-token';
/**
 * A second key of the demo account, for GraphiQL's ErrorStates tab: the error states' 429s and
 * failures pause (and count against) this tenant only, never the demo key every other tab uses.
 */
export const DEMO_ERRORS_API_KEY = 'demo-errors-key';
export const DEMO_PROJECT_ID = 'demo-project';

/** A demo call whose body never changes. */
export interface DemoCall {
  readonly sid: string;
  readonly body: Readonly<CallResponseBody>;
}

/**
 * A demo call that moves queued → ringing → in-progress → completed as the simulator's
 * clock runs (see `lifecycle.ts`). `base` is present at every stage; `completed` is added
 * at the last one, together with a `date`.
 */
export interface DemoLiveCall {
  readonly sid: string;
  /** Steps the call waits, after the simulator starts, before it leaves `queued`. */
  readonly startsAfterSteps: number;
  readonly base: Readonly<Omit<CallResponseBody, 'status'>>;
  readonly completed: Readonly<Pick<CallResponseBody, 'seconds' | 'cost' | 'recordingUrls' | 'data'>>;
}

export interface DemoSample {
  readonly label: string;
  readonly sid: string;
}

// mulberry32: tiny, well-distributed, and deterministic for a fixed seed.
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seeded(0x7a1c5ac4);
const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const hex = (length: number): string => {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return out.slice(0, length);
};
const digits = (length: number): string => {
  let out = '';
  for (let i = 0; i < length; i++) out += String(int(0, 9));
  return out;
};

/** `Tue, 30 Jan 2024 13:39:53 +0000`: Talkstack writes RFC 2822 with a numeric zone. */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

// One Twilio account owns every recording, as it would for a real Talkstack tenant (synthetic calls included).
export const TWILIO_ACCOUNT_SID = `AC${hex(32)}`;
// Talkstack's outbound lines: calls come from one of these.
export const LINES = ['+14155550132', '+442071838750', '+4930901820'] as const;
// Per started minute, like Twilio's outbound voice pricing.
const PRICE_PER_MINUTE = 0.0135;

type RecordingKind = 'mp3' | 'wav' | 'none-ext' | 'mp3+wav';

function recordingUrl(extension: string): string {
  return `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Recordings/RE${hex(32)}${extension}`;
}

function recordings(kind: RecordingKind | undefined): string[] | undefined {
  switch (kind) {
    case undefined:
      return undefined;
    case 'mp3':
      return [recordingUrl('.mp3')];
    case 'wav':
      return [recordingUrl('.wav')];
    case 'none-ext':
      return [recordingUrl('')];
    case 'mp3+wav':
      return [recordingUrl('.mp3'), recordingUrl('.wav')];
  }
}

function callee(): string {
  // Numbers from ranges reserved for fiction (NANP 555-01xx, Ofcom drama 07700 900xxx).
  return random() < 0.6 ? `+1555010${digits(4)}` : `+447700900${digits(3)}`;
}

export function cost(seconds: number): number {
  return Math.round(Math.ceil(seconds / 60) * PRICE_PER_MINUTE * 10000) / 10000;
}

/** Answers as Talkstack's bot collects them: strings only, empty when not asked. */
const ANSWERS = {
  confirmed: { employeeGoToWork: 'true', reasonOfCancellation: '', newDate: '' },
  sick: { employeeGoToWork: 'false', reasonOfCancellation: 'Sick', newDate: '' },
  yes: { employeeGoToWork: 'yes' },
  rescheduled: { employeeGoToWork: 'no', reasonOfCancellation: 'Car broke down', newDate: '2024-02-02' },
  family: { employeeGoToWork: 'false', reasonOfCancellation: 'Family emergency', newDate: 'Friday 9am' },
  none: {},
} as const satisfies Record<string, Record<string, string>>;

type Answers = keyof typeof ANSWERS;

interface Row {
  status: string;
  /** Finished calls carry seconds, cost and date; unfinished ones do not. */
  finished: boolean;
  seconds?: readonly [number, number];
  recordings?: RecordingKind;
  /** Finished calls with `recordingUrls: []` rather than no field at all. */
  emptyRecordings?: boolean;
  answers?: Answers;
  /** Which of partnerId / shiftId / assignmentId the call carries (default: all). */
  refs?: 'all' | 'partner' | 'none';
  sample?: string;
}

const talked = [40, 300] as const;
const ZERO = [0, 0] as const;

const ROWS: readonly Row[] = [
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'sick', sample: 'completed, MP3 recording, shift cancelled (Sick)' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'confirmed', sample: 'completed, employee confirmed' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'wav', answers: 'yes', sample: 'completed, WAV recording' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'none-ext', answers: 'rescheduled', sample: 'completed, Twilio recording URL without extension' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3+wav', answers: 'family' },
  { status: 'completed', finished: true, seconds: talked, emptyRecordings: true, answers: 'confirmed', sample: 'completed, recordings not there yet' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'none', refs: 'none', sample: 'completed, no shift data' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'yes', refs: 'partner' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'confirmed' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'wav', answers: 'sick' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'confirmed' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'rescheduled' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'none-ext', answers: 'confirmed' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'yes' },
  { status: 'completed', finished: true, seconds: talked, recordings: 'mp3', answers: 'confirmed' },
  { status: 'COMPLETED', finished: true, seconds: talked, recordings: 'mp3', answers: 'confirmed', sample: 'upper-case "COMPLETED"' },
  { status: 'voicemail', finished: true, seconds: [15, 45], recordings: 'mp3', answers: 'none', sample: 'voicemail' },
  { status: 'voicemail', finished: true, seconds: [15, 45], recordings: 'wav' },
  { status: 'voicemail', finished: true, seconds: [15, 45], recordings: 'mp3' },
  { status: 'busy', finished: true, seconds: ZERO, emptyRecordings: true },
  { status: 'busy', finished: true, seconds: ZERO },
  { status: 'silence', finished: true, seconds: [7, 12], recordings: 'mp3', answers: 'none', sample: 'silence' },
  { status: 'silence', finished: true, seconds: [7, 12] },
  { status: 'failed', finished: true, seconds: ZERO, emptyRecordings: true },
  { status: 'failed', finished: true, seconds: ZERO },
  { status: 'no-answer', finished: true, seconds: ZERO },
  { status: 'no-answer', finished: true, seconds: ZERO, emptyRecordings: true },
  { status: 'canceled', finished: true, seconds: ZERO },
  { status: 'cancelled', finished: true, seconds: ZERO, sample: 'British "cancelled"' },
  { status: 'transferred', finished: true, seconds: talked, recordings: 'mp3', answers: 'yes', sample: 'unknown status "transferred"' },
  { status: 'queued', finished: false, sample: 'queued (not triggered yet)' },
  { status: 'queued', finished: false },
  { status: 'initiated', finished: false },
  { status: 'ringing', finished: false },
  { status: 'in-progress', finished: false },
  { status: 'in-progress', finished: false, refs: 'partner' },
  { status: 'In Progress', finished: false, sample: 'mixed-case "In Progress"' },
];

const FIRST_CALL_AT = Date.UTC(2024, 0, 30, 13, 39, 53);

function refs(kind: Row['refs']): Pick<CallResponseBody, 'partnerId' | 'shiftId' | 'assignmentId'> {
  if (kind === 'none') return {};
  const partnerId = `prt_${digits(5)}`;
  if (kind === 'partner') return { partnerId };
  return { partnerId, shiftId: `shf_${hex(12)}`, assignmentId: `asg_${hex(12)}` };
}

function line(): string {
  return LINES[int(0, LINES.length - 1)] ?? LINES[0];
}

function buildCall(row: Row, index: number): DemoCall {
  const sid = `CA${hex(32)}`;
  const to = callee();
  const body: CallResponseBody = { status: row.status, callSid: sid, from: line(), to, phoneNumber: to };
  Object.assign(body, refs(row.refs));
  if (row.finished) {
    const [min, max] = row.seconds ?? talked;
    const seconds = int(min, max);
    body.seconds = seconds;
    body.cost = cost(seconds);
    // The first call carries the contract's example date; the others follow roughly an hour apart.
    const offset = index === 0 ? 0 : index * 55 * 60_000 + int(-20, 20) * 60_000 + int(0, 59) * 1000;
    body.date = rfc2822(FIRST_CALL_AT + offset);
  }
  const urls = recordings(row.recordings);
  if (urls) body.recordingUrls = urls;
  else if (row.emptyRecordings) body.recordingUrls = [];
  if (row.answers) body.data = { ...ANSWERS[row.answers] };
  return { sid, body: deepFreeze(body) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function buildLiveCall(startsAfterSteps: number, answers: Answers, recording: RecordingKind): DemoLiveCall {
  const sid = `CA${hex(32)}`;
  const to = callee();
  const seconds = int(40, 200);
  return deepFreeze({
    sid,
    startsAfterSteps,
    base: { callSid: sid, from: line(), to, phoneNumber: to, ...refs('all') },
    completed: { seconds, cost: cost(seconds), recordingUrls: recordings(recording), data: { ...ANSWERS[answers] } },
  });
}

/** Every call of the demo project whose body never changes (the live ones are apart). */
export const DEMO_CALLS: readonly DemoCall[] = Object.freeze(ROWS.map(buildCall));

/**
 * Calls of the demo project that move through queued → ringing → in-progress → completed.
 * Call `i` leaves `queued` `i` lifecycle steps after the simulator starts, so they finish
 * one step apart (by default 24 s, 32 s and 40 s after start).
 */
export const DEMO_LIVE_CALLS: readonly DemoLiveCall[] = Object.freeze([
  buildLiveCall(0, 'confirmed', 'mp3'),
  buildLiveCall(1, 'sick', 'wav'),
  buildLiveCall(2, 'rescheduled', 'mp3'),
]);

export const DEMO_LIVE_SIDS: readonly string[] = Object.freeze(DEMO_LIVE_CALLS.map((call) => call.sid));

/**
 * A handful of interesting sids for the start-up banner and for trying the API by hand. The
 * fixed live calls are left out: they are final ~40 s after start, and the banner names the
 * rolling live calls (`rollingLiveCalls.ts`) instead.
 */
export const DEMO_SAMPLE_SIDS: readonly DemoSample[] = Object.freeze(
  ROWS.flatMap((row, index) => {
    const call = DEMO_CALLS[index];
    return row.sample && call ? [{ label: row.sample, sid: call.sid }] : [];
  }),
);

if (new Set([...DEMO_CALLS.map((call) => call.sid), ...DEMO_LIVE_SIDS]).size !== DEMO_CALLS.length + DEMO_LIVE_SIDS.length) {
  throw new Error('demo data: duplicate sid (change the seed)');
}

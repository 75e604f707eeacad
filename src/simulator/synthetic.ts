/**
 * Synthetic calls, for benchmarks: in the simulator's synthetic project every well-formed
 * sid exists, so a load test can ask for millions of distinct calls without storing any.
 *
 * A call's values are derived from its sid alone (a hash seeding mulberry32, as the demo does), so
 * the same sid gives the same bytes in every run and every process. Prepared answers are
 * cached (bounded, oldest dropped first) so that a repeated sid costs one Map lookup.
 */
import type { CallResponseBody } from '../talkstack/wire.js';
import { cost, LINES, rfc2822, TWILIO_ACCOUNT_SID } from './demoData.js';
import { prepareJson, type PreparedResponse } from './faults.js';

/** Sids a synthetic project answers; others get 404 like an unknown call. */
export const SYNTHETIC_SID = /^[A-Za-z0-9_-]{1,64}$/;
/** Synthetic sids starting with this are calls still in progress. */
export const SYNTHETIC_LIVE_PREFIX = 'CAlive';

// Enough for any benchmark's working set, small enough (~1 KB each) to stay a few tens of MB.
const CACHE_LIMIT = 50_000;
const FIRST_DAY = Date.UTC(2024, 0, 1);
const DAYS = 365;
const DAY_MS = 24 * 3600 * 1000;

/** FNV-1a: a cheap, well-mixed 32-bit hash; sids are ASCII, so code units are bytes. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// Number#toString(16) costs ~0.4 µs in V8: a table makes a 32-hex id ~20x cheaper.
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
// rfc2822 costs ~0.5 µs (a Date and a replace): format each day once, then only add the time.
let dayStamps: string[] | undefined;

/**
 * The demo's mulberry32, seeded by the sid. A class rather than closures: a request then
 * allocates no functions (tsx wraps each closure it creates in a costly `__name`).
 */
export class SidRandom {
  #state: number;

  constructor(sid: string) {
    this.#state = hash(sid);
  }

  /** 32 random bits. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in 0..n-1 (n far below 2^32, so the modulo bias is negligible). */
  below(n: number): number {
    return this.next() % n;
  }

  hex8(): string {
    const value = this.next();
    return (
      (HEX_BYTE[value >>> 24] ?? '') +
      (HEX_BYTE[(value >>> 16) & 0xff] ?? '') +
      (HEX_BYTE[(value >>> 8) & 0xff] ?? '') +
      (HEX_BYTE[value & 0xff] ?? '')
    );
  }

  digits(length: number): string {
    return String(this.below(10 ** length)).padStart(length, '0');
  }

  /** An RFC 2822 date within 2024, as `rfc2822` writes it. */
  date(): string {
    dayStamps ??= Array.from({ length: DAYS }, (_, day) => rfc2822(FIRST_DAY + day * DAY_MS).slice(0, 16));
    const day = dayStamps[this.below(DAYS)] ?? '';
    return `${day} ${TWO_DIGITS[this.below(24)] ?? ''}:${TWO_DIGITS[this.below(60)] ?? ''}:${TWO_DIGITS[this.below(60)] ?? ''} +0000`;
  }
}

/**
 * A call body with `status`, `callSid` and fictional parties (to/from, partner, shift,
 * assignment) drawn from `random`, in that key order. Synthetic and rolling live calls share it,
 * so it must keep its draws and their order: a change alters every generated body.
 */
export function fictionalCall(random: SidRandom, callSid: string, status: string): CallResponseBody {
  // Numbers from ranges reserved for fiction, as in the demo data.
  const to = random.below(10) < 6 ? `+1555010${random.digits(4)}` : `+447700900${random.digits(3)}`;
  return {
    status,
    callSid,
    from: LINES[random.below(LINES.length)] ?? LINES[0],
    to,
    phoneNumber: to,
    partnerId: `prt_${random.digits(5)}`,
    shiftId: `shf_${random.hex8()}${random.hex8().slice(4)}`,
    assignmentId: `asg_${random.hex8()}${random.hex8().slice(4)}`,
  };
}

/** A recording URL with a random `RE…` sid (four draws), as Twilio writes it. */
export function fictionalRecordingUrl(random: SidRandom): string {
  const recording = `RE${random.hex8()}${random.hex8()}${random.hex8()}${random.hex8()}`;
  return `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Recordings/${recording}.mp3`;
}

/** The body the synthetic project answers for `sid` (assumed to match {@link SYNTHETIC_SID}). */
export function syntheticCall(sid: string): CallResponseBody {
  const random = new SidRandom(sid);
  const body = fictionalCall(random, sid, 'in-progress');
  if (sid.startsWith(SYNTHETIC_LIVE_PREFIX)) {
    // Unfinished calls carry no seconds, cost, date or recordings (see the demo's live calls).
    body.data = {};
    return body;
  }
  const seconds = 40 + random.below(261);
  const recordingUrl = fictionalRecordingUrl(random);
  body.status = 'completed';
  body.seconds = seconds;
  body.cost = cost(seconds);
  body.date = random.date();
  body.recordingUrls = [recordingUrl];
  body.data = { employeeGoToWork: 'true', reasonOfCancellation: '', newDate: '' };
  return body;
}

/** Prepared synthetic answers, built on first request. */
export class SyntheticCalls {
  readonly #cache = new Map<string, PreparedResponse>();
  // Insertion order, as a ring: evicting through `Map#keys()` is O(n) in V8 after deletes at the
  // front (deleted entries stay as holes the iterator walks), this is O(1).
  readonly #order: Array<string | undefined> = new Array<string | undefined>(CACHE_LIMIT);
  #next = 0;

  /** The 200 answer for `sid`, or undefined when it is not a well-formed sid. */
  response(sid: string): PreparedResponse | undefined {
    const cached = this.#cache.get(sid);
    if (cached) return cached;
    if (!SYNTHETIC_SID.test(sid)) return undefined;
    const response = prepareJson(200, syntheticCall(sid));
    const oldest = this.#order[this.#next];
    if (oldest !== undefined) this.#cache.delete(oldest);
    this.#order[this.#next] = sid;
    this.#next = (this.#next + 1) % CACHE_LIMIT;
    this.#cache.set(sid, response);
    return response;
  }
}

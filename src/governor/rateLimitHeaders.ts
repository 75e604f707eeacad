/**
 * What an upstream answer's rate-limit headers announce, in the forms met in the wild:
 * - the IETF draft's structured fields: `RateLimit-Policy: "default";q=50;w=1` and
 *   `RateLimit: "default";r=0;t=1` (quota q per w seconds; r remaining, t seconds to reset);
 * - its older forms: `RateLimit-Policy: 50;w=1`, `RateLimit: limit=50, remaining=0, reset=1`,
 *   `RateLimit-Limit: 50` (or `50, 50;w=1`) with `RateLimit-Remaining` and `RateLimit-Reset`;
 * - the common `X-RateLimit-Limit/-Remaining/-Reset` (a reset that looks like a Unix time, in
 *   seconds or ms, is read as one).
 *
 * A rate (`perSecond`) is announced only where a window is: a bare limit says nothing about
 * its period. Values that are not sane numbers are ignored, never trusted: a header cannot
 * make the server pace to zero or to infinity.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The raw header values of one answer that matter here; absent when it sent none. */
export interface RateLimitHeaderValues {
  readonly policy?: string;
  readonly combined?: string;
  readonly limit?: string;
  readonly remaining?: string;
  readonly reset?: string;
}

export interface AnnouncedLimit {
  /** requests per second the upstream allows, when a quota and its window are announced */
  readonly perSecond?: number;
  /** requests left in the current window */
  readonly remaining?: number;
  /** ms until the window resets (at most a minute) */
  readonly resetMs?: number;
}

const MAX_RESET_MS = 60_000;
const MAX_PER_SECOND = 1_000_000;

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * The rate-limit headers of `headers`, or undefined when it has none (the usual case: a few
 * property reads and nothing made).
 */
export function rateLimitHeaderValuesOf(headers: IncomingHttpHeaders): RateLimitHeaderValues | undefined {
  const policy = first(headers['ratelimit-policy']);
  const combined = first(headers['ratelimit']);
  const limit = first(headers['ratelimit-limit'] ?? headers['x-ratelimit-limit']);
  const remaining = first(headers['ratelimit-remaining'] ?? headers['x-ratelimit-remaining']);
  const reset = first(headers['ratelimit-reset'] ?? headers['x-ratelimit-reset']);
  if (policy === undefined && combined === undefined && limit === undefined && remaining === undefined && reset === undefined) return undefined;
  return { policy, combined, limit, remaining, reset };
}

function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

/** `name=value` or `name` alone as a parameter of a structured list item, e.g. `q=50` in `"default";q=50;w=1`. */
function parameter(item: string, name: string): number | undefined {
  const match = new RegExp(`(?:^|[;,\\s])${name}\\s*=\\s*(\\d+(?:\\.\\d+)?)`).exec(item);
  return match ? Number(match[1]) : undefined;
}

/** The strictest rate of a policy list: `50;w=1`, `"default";q=50;w=1`, `100;w=60, 10;w=1`. */
function policyRate(policy: string): number | undefined {
  let strictest: number | undefined;
  for (const item of policy.split(',')) {
    const window = parameter(item, 'w');
    const quota = parameter(item, 'q') ?? count(item.split(';')[0]);
    if (quota === undefined || window === undefined || window <= 0) continue;
    const rate = quota / window;
    if (strictest === undefined || rate < strictest) strictest = rate;
  }
  return strictest;
}

/** Seconds to reset, or a Unix time in s or ms, as ms from `now`. */
function resetMsOf(value: number | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  let ms: number;
  if (value > 1e12) ms = value - now;
  else if (value > 1e9) ms = value * 1000 - now;
  else ms = value * 1000;
  return Math.min(Math.max(0, ms), MAX_RESET_MS);
}

/** What `values` announce, `now` being the clock (ms since epoch) for resets given as a time. */
export function announcedLimitOf(values: RateLimitHeaderValues, now: number): AnnouncedLimit {
  let perSecond = values.policy === undefined ? undefined : policyRate(values.policy);
  // `RateLimit-Limit: 50, 50;w=1`: an older draft put the policy after the limit.
  if (perSecond === undefined && values.limit?.includes(';')) perSecond = policyRate(values.limit);
  let remaining = count(values.remaining);
  let reset = count(values.reset);
  if (values.combined !== undefined) {
    remaining ??= parameter(values.combined, 'r') ?? parameter(values.combined, 'remaining');
    reset ??= parameter(values.combined, 't') ?? parameter(values.combined, 'reset');
  }
  const sane = perSecond !== undefined && perSecond > 0 && perSecond <= MAX_PER_SECOND ? perSecond : undefined;
  const resetMs = resetMsOf(reset, now);
  return {
    ...(sane === undefined ? {} : { perSecond: sane }),
    ...(remaining === undefined ? {} : { remaining: Math.floor(remaining) }),
    ...(resetMs === undefined ? {} : { resetMs }),
  };
}

/**
 * A per-credential token bucket, so the simulator can answer 429 the way a rate-limited
 * upstream does and a client's back-off can be tested against it (with an injected clock,
 * without waiting out real seconds).
 */

export interface RateLimitOptions {
  /** Tokens a key gets back per second: its sustained requests per second. Finite and > 0. */
  perSecond: number;
  /** Bucket size, the requests a key may make at once after idling: an integer >= 1. Default `perSecond` (at least 1, rounded down). */
  burst?: number;
  /** Send `RateLimit-Limit`, `-Remaining`, `-Reset` and `-Policy` on every answer of a limited key. Default false. */
  headers?: boolean;
}

/** {@link RateLimitOptions} with its defaults filled in, as the simulator reports it. */
export type RateLimit = Readonly<Required<RateLimitOptions>>;

/** The simulator keeps at most this many buckets: one per distinct credential value seen. */
export const MAX_BUCKETS = 10_000;

const OPTION_NAMES: ReadonlySet<string> = new Set(['perSecond', 'burst', 'headers']);

/** Validates options (they may come from JSON, see admin.ts) and fills in the defaults. */
export function checkRateLimit(options: unknown): RateLimit {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('rateLimit must be an object { perSecond, burst?, headers? }');
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new TypeError(`rateLimit has an unknown field "${name}" (known: perSecond, burst, headers)`);
  }
  const { perSecond, burst, headers } = options as Record<string, unknown>;
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0) {
    throw new RangeError(`rateLimit.perSecond must be a finite number > 0, got ${String(perSecond)}`);
  }
  // Below one token a bucket could never let a request through.
  const size = burst ?? Math.max(1, Math.floor(perSecond));
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`rateLimit.burst must be an integer >= 1, got ${String(burst)}`);
  }
  if (headers !== undefined && typeof headers !== 'boolean') {
    throw new TypeError(`rateLimit.headers must be a boolean, got ${String(headers)}`);
  }
  return Object.freeze({ perSecond, burst: size, headers: headers ?? false });
}

/** What the bucket says about one request. */
export interface RateVerdict {
  readonly allowed: boolean;
  /** Headers for every answer to this request: `retry-after` when refused, the RateLimit-* ones when asked for. */
  readonly headers: Readonly<Record<string, string>>;
}

interface Bucket {
  tokens: number;
  /** `now()` when `tokens` was last brought up to date */
  at: number;
}

export class RateLimiter {
  readonly limit: RateLimit;
  readonly #now: () => number;
  readonly #maxBuckets: number;
  /** Least recently used first: a key's bucket moves to the end each time it is used. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: RateLimit, now: () => number, maxBuckets = MAX_BUCKETS) {
    this.limit = limit;
    this.#now = now;
    this.#maxBuckets = Math.max(1, Math.floor(maxBuckets));
  }

  /** Takes a token from `key`'s bucket if it has one. */
  take(key: string): RateVerdict {
    const { perSecond, burst } = this.limit;
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key);
      bucket.tokens = this.#tokens(bucket, now);
      // An injected clock may step back; crediting that time again later would mint tokens.
      bucket.at = Math.max(bucket.at, now);
    } else {
      if (this.#buckets.size >= this.#maxBuckets) this.#makeRoom(now);
      bucket = { tokens: burst, at: now };
    }
    this.#buckets.set(key, bucket);

    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    const headers: Record<string, string> = {};
    if (!allowed) headers['retry-after'] = String(Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)));
    if (this.limit.headers) {
      headers['ratelimit-limit'] = String(burst);
      headers['ratelimit-remaining'] = String(Math.floor(bucket.tokens));
      headers['ratelimit-reset'] = String(Math.ceil((burst - bucket.tokens) / perSecond));
      headers['ratelimit-policy'] = `${perSecond};w=1`;
    }
    return { allowed, headers };
  }

  /** Buckets held now (at most `maxBuckets`). */
  get size(): number {
    return this.#buckets.size;
  }

  #tokens(bucket: Bucket, now: number): number {
    const elapsedMs = Math.max(0, now - bucket.at);
    return Math.min(this.limit.burst, bucket.tokens + (elapsedMs * this.limit.perSecond) / 1000);
  }

  /**
   * Full buckets go first: a full bucket is what a new key gets, so dropping one changes no
   * answer. Then the least recently used, down to 90 % of the bound, so that this O(n) sweep
   * runs at most once per tenth of the bound new keys.
   */
  #makeRoom(now: number): void {
    const buckets = this.#buckets;
    for (const [key, bucket] of buckets) {
      if (this.#tokens(bucket, now) >= this.limit.burst) buckets.delete(key);
    }
    const target = this.#maxBuckets - Math.ceil(this.#maxBuckets / 10);
    for (const key of buckets.keys()) {
      if (buckets.size <= target) break;
      buckets.delete(key);
    }
  }
}

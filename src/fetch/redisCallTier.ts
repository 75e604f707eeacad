/**
 * The second layer of the fetch pipeline (`REDIS_URL`): the Redis half of the store of calls,
 * what every instance shares, so a settled final call fetched by one instance is answered by
 * the others without an upstream request, and any call one instance fetched can stand in,
 * stale, for another's failure (contract: "With `REDIS_URL` the cache is shared by every
 * instance; if Redis fails, calls are fetched from upstream instead"; "One store of calls").
 *
 * Contract:
 * - asked only on a memory miss; a hit is handed to the memory layer in front (`HeldCalls.hold`,
 *   with the entry's own expiry) and answered; on a miss or any failure, memory is asked again
 *   (a concurrent lookup may have fetched the call meanwhile), then the layers below;
 * - what the layers below answer is written here, once per call object (every waiter of one
 *   shared fetch gets the same one), for as long as it may answer fresh (the cache policy) or
 *   stale (`fetchedAt + STALE_IF_ERROR_SECONDS`); nobody awaits the write. An entry read back
 *   that is no longer fresh but may still answer stale is handed to memory for that only, and
 *   the lookup goes on below;
 * - `read` never rejects and never takes longer than the connection's command timeout: a
 *   miss, a Redis error, a timeout and a corrupt or foreign value all resolve `undefined`
 *   (the caller goes upstream); while Redis is down no command is sent at all, and after a
 *   timeout (Redis hanging) reads and writes are skipped for `PAUSE_AFTER_TIMEOUT_MS`, so a
 *   hang costs one timeout per pause rather than one per request;
 * - concurrent reads of one key share one GET;
 * - `write` is fire and forget: its failures are counted, never thrown or awaited;
 * - keys are `talkstack:call:<credential fingerprint>:<projectId, URI-encoded>:<sid>`: the
 *   fingerprint is `RedisConnection.keyFingerprint` (an HMAC under `REDIS_KEY_SECRET`, never
 *   the credential nor its plain digest); neither the fingerprint nor the encoded project
 *   contains `:`, and a sid never does (callAddress.ts), so no two addresses share a key;
 * - values are `m1:<MAC>:` (with REDIS_KEY_SECRET) then JSON `{"expiresAt": <fresh until, ms
 *   since epoch; 0: never fresh>, "call": <Call>}`, written with Redis' own expiry (`PX`) at the
 *   later of fresh and stale, so a reader keeps its memory copy no longer than the entry lives
 *   (nor longer than its own rules allow). The MAC (RedisConnection.valueMacOf: an HMAC of the
 *   key and the JSON under a key derived from the secret) is checked before anything is
 *   parsed; a value read back must also be a call of the address asked for that this server's
 *   mapping could have produced (calls/callShape.ts), fresh only when final; anything else
 *   counts as an error and a miss (the caller fetches upstream and writes over it);
 * - a value over `maxValueBytes` (callShape.ts: sharedCallBytesLimit) is neither read into this
 *   process (the GET is a script that checks STRLEN first, boundedGet.ts) nor written.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Call, CallAddress } from '../calls/call.js';
import { sharedCallOf } from '../calls/callShape.js';
import { redisCallKeyOf, type CallKey } from '../identity/keys.js';
import { boundedGet, TOO_LARGE } from '../redis/boundedGet.js';
import type { RedisConnection } from '../redis/redisConnection.js';
import { cacheTtlSecondsOf } from './cachePolicy.js';
import type { FetchCall, FetchLayer } from './fetchCall.js';
import type { HeldCalls } from './callStore.js';
import { isStaleAnswer } from './staleMarks.js';

/** After a command timed out (Redis hanging, not down), Redis is left alone this long. */
export const PAUSE_AFTER_TIMEOUT_MS = 1000;
const TIMED_OUT = 'Command timed out';

/** A call as the shared tier holds it: the call and until when it answers fresh. */
export interface SharedCall {
  call: Call;
  /** ms since epoch (`Date.now()` clock of the instance that wrote it); 0 or past: only stale */
  expiresAt: number;
}

const MAC_PREFIX = 'm1:';
const MAC_LENGTH = 32;

/** Counts of the tier's outcomes, plain numbers for metrics: one per GET sent (readers sharing one count once), or per lookup skipped. */
export interface RedisTierStats {
  hit: number;
  miss: number;
  /** reads that failed, timed out, were skipped (Redis down or paused) or found a corrupt value */
  error: number;
  /** writes that failed or were skipped */
  writeError: number;
}

export interface RedisCallTierOptions {
  /** CACHE_TTL_SECONDS: how long this instance may keep a call (cachePolicy.ts) caps what another instance wrote */
  ttlSeconds: number;
  /** STALE_IF_ERROR_SECONDS: how long after its fetchedAt a call is kept for stale answers (0: only fresh ones are written) */
  staleSeconds?: number;
  /** the memory layer in front: takes this tier's hits */
  memory: HeldCalls;
  /** ms since epoch; `Date.now` by default */
  now?: () => number;
  /** largest value read or written, in bytes (callShape.ts: sharedCallBytesLimit) */
  maxValueBytes: number;
}

export class RedisCallTier {
  readonly stats: RedisTierStats = { hit: 0, miss: 0, error: 0, writeError: 0 };
  readonly #redis: RedisConnection;
  readonly #reads = new Map<string, Promise<SharedCall | undefined>>();
  readonly #now: () => number;
  readonly #ttlSeconds: number;
  readonly #staleMs: number;
  readonly #memory: HeldCalls;
  readonly #maxValueBytes: number;
  /** calls written already: waiters of one shared fetch all pass here with the same object */
  readonly #written = new WeakSet<Call>();
  #pausedUntil = 0;

  constructor(redis: RedisConnection, { now = Date.now, ttlSeconds, staleSeconds = 0, memory, maxValueBytes }: RedisCallTierOptions) {
    this.#redis = redis;
    this.#maxValueBytes = maxValueBytes;
    this.#now = now;
    this.#ttlSeconds = ttlSeconds;
    this.#staleMs = staleSeconds * 1000;
    this.#memory = memory;
  }

  readonly layer: FetchLayer = (next: FetchCall): FetchCall => {
    const written = (key: CallKey) => (call: Call | null) => {
      if (call === null || isStaleAnswer(call) || this.#written.has(call)) return call;
      this.#written.add(call);
      const ttl = cacheTtlSecondsOf(call, this.#ttlSeconds);
      const freshUntil = ttl > 0 ? this.#now() + ttl * 1000 : 0;
      const fetchedAt = Date.parse(call.fetchedAt);
      const staleUntil = this.#staleMs > 0 && Number.isFinite(fetchedAt) ? fetchedAt + this.#staleMs : 0;
      this.write(key, call, freshUntil, Math.max(freshUntil, staleUntil));
      return call;
    };
    return (key, scope) =>
      this.read(key).then((entry) => {
        if (entry !== undefined && entry.expiresAt > this.#now()) {
          this.#memory.hold(key, entry.call, entry.expiresAt);
          return entry.call;
        }
        // Not fresh (or none): memory may hold what another lookup fetched meanwhile; a stale
        // entry is kept in memory for the stale-answers layer below should upstream fail.
        if (entry !== undefined) this.#memory.hold(key, entry.call, 0);
        return this.#memory.fresh(key) ?? next(key, scope).then(written(key));
      });
  };

  /** The Redis key of a call key. */
  redisKeyOf({ credential, address }: CallKey): string {
    return redisCallKeyOf(this.#redis.keyFingerprint(credential), address);
  }

  /** The shared entry of `key`, or undefined (miss or failure). Never rejects. */
  read(key: CallKey): Promise<SharedCall | undefined> {
    if (!this.#usable()) {
      this.stats.error++;
      return Promise.resolve(undefined);
    }
    const redisKey = this.redisKeyOf(key);
    let pending = this.#reads.get(redisKey);
    if (pending === undefined) {
      pending = this.#get(redisKey, key.address);
      this.#reads.set(redisKey, pending);
    }
    return pending;
  }

  /**
   * Stores `call`, fresh until `expiresAt` (ms since epoch; 0: never), kept until `keepUntil`
   * (default `expiresAt`); not awaited by anyone.
   */
  write(key: CallKey, call: Call, expiresAt: number, keepUntil: number = expiresAt): void {
    const ttlMs = Math.floor(keepUntil - this.#now());
    if (ttlMs <= 0) return;
    if (!this.#usable()) {
      this.stats.writeError++;
      return;
    }
    const json = JSON.stringify({ expiresAt, call });
    // Readers would refuse it (they bound the value in bytes).
    if (Buffer.byteLength(json) > this.#maxValueBytes - MAC_PREFIX.length - MAC_LENGTH - 1) return;
    const redisKey = this.redisKeyOf(key);
    const mac = this.#redis.valueMacOf(redisKey, json);
    const value = mac === undefined ? json : `${MAC_PREFIX}${mac}:${json}`;
    this.#redis.commands.set(redisKey, value, 'PX', ttlMs).then(undefined, (error: unknown) => {
      this.stats.writeError++;
      this.#noteFailure(error);
    });
  }

  #get(key: string, address: CallAddress): Promise<SharedCall | undefined> {
    // Settled asynchronously (a `then`), so the key is in #reads before either handler runs.
    return boundedGet(this.#redis.commands, key, this.#maxValueBytes).then(
      (text) => {
        this.#reads.delete(key);
        if (text === null) {
          this.stats.miss++;
          return undefined;
        }
        let shared: SharedCall | undefined;
        try {
          shared = text === TOO_LARGE || !this.#authentic(key, text) ? undefined : decodeSharedCall(text, address, this.#maxValueBytes);
        } catch {
          // Whatever a value holds, reading it never fails the lookup: it is a miss.
          shared = undefined;
        }
        if (shared === undefined) {
          // Corrupt, foreign or too large: not an answer, and worth a look.
          this.stats.error++;
          return undefined;
        }
        // Never longer than this instance's own rules allow (another may run another TTL).
        const now = this.#now();
        const expiresAt = Math.min(shared.expiresAt, now + cacheTtlSecondsOf(shared.call, this.#ttlSeconds) * 1000);
        if (expiresAt <= now) this.stats.miss++;
        else this.stats.hit++;
        shared.expiresAt = Math.max(0, expiresAt);
        return shared;
      },
      (error: unknown) => {
        this.#reads.delete(key);
        this.stats.error++;
        this.#noteFailure(error);
        return undefined;
      },
    );
  }

  /** With REDIS_KEY_SECRET, `text` must carry the MAC of `key` and its JSON; without it, anything passes. */
  #authentic(key: string, text: string): boolean {
    const json = jsonOf(text);
    const expected = this.#redis.valueMacOf(key, json);
    if (expected === undefined) return true;
    if (json === text || text.charAt(MAC_PREFIX.length + MAC_LENGTH) !== ':') return false;
    // Compared as bytes: a forged MAC of multi-byte characters has the right length in
    // characters but not in bytes, and timingSafeEqual throws on unequal lengths.
    const mac = Buffer.from(text.slice(MAC_PREFIX.length, MAC_PREFIX.length + MAC_LENGTH));
    const wanted = Buffer.from(expected);
    return mac.length === wanted.length && timingSafeEqual(mac, wanted);
  }

  #usable(): boolean {
    return this.#redis.state === 'up' && (this.#pausedUntil === 0 || this.#now() >= this.#pausedUntil);
  }

  #noteFailure(error: unknown): void {
    if (error instanceof Error && error.message === TIMED_OUT) this.#pausedUntil = this.#now() + PAUSE_AFTER_TIMEOUT_MS;
  }
}

/**
 * The entry in `text` when it is a well-formed final call of `address`, else undefined.
 * Redis is shared storage: anything may be there, so the call must be one this server's
 * mapping could have produced (calls/callShape.ts), and a value over `maxBytes` is not parsed.
 */
export function decodeSharedCall(text: string, address: CallAddress, maxBytes: number): SharedCall | undefined {
  if (text.length > maxBytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(jsonOf(text));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { expiresAt, call: raw } = value as { expiresAt?: unknown; call?: unknown };
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt < 0) return undefined;
  const call = sharedCallOf(raw, address);
  // Only a final call may answer fresh; any call may stand in, stale.
  if (!call || (expiresAt > 0 && !call.isFinal)) return undefined;
  return { call, expiresAt };
}

/** The JSON of a stored value, past its MAC when it has one. */
function jsonOf(text: string): string {
  return text.startsWith(MAC_PREFIX) ? text.slice(MAC_PREFIX.length + MAC_LENGTH + 1) : text;
}

/**
 * Cluster-wide pacing (contract: "Cluster-wide"): with REDIS_URL, the instances share each
 * paced tenant's sends through Redis, so together they stay within the one limit Talkstack
 * enforces per key.
 *
 * - Sends: a GCRA in one Lua script per try of a paced tenant. It reserves the tenant's next
 *   send time (Redis' own clock, so instances' clocks do not matter) and answers how long to
 *   wait for it, or refuses without reserving when that is past the call's wait budget. A
 *   tenant nobody has learned a rate for costs no Redis command at all.
 * - Lessons: a rate learned from a 429 or announced by headers, and a pause, are published to
 *   every instance (one channel); each applies what it reads to its own tenant, clamped to sane
 *   bounds (pace state is not secret and carries no MAC; a forged message can at worst slow a
 *   tenant down for a few seconds, or pace it at most as fast as the limit known to each).
 * - Redis down or slow: `reserve` answers undefined and the instance paces alone (never a
 *   failed row because of Redis); the key names a tenant by its fingerprint
 *   (`RedisConnection.fingerprintOf`), never by its credential.
 */
import { REDIS_KEY_PREFIX } from '../identity/keys.js';
import type { Logger } from '../logging/logger.js';
import type { RedisConnection } from '../redis/redisConnection.js';
import { MAX_PAUSE_MS } from './tenantPace.js';

/** Where pace lessons are published. */
export const PACE_CHANNEL = `${REDIS_KEY_PREFIX}pace`;
const MIN_RATE = 0.2;
const MAX_RATE = 100_000;

/**
 * KEYS[1]: the tenant's pace key. ARGV: interval (ms between sends), pause (ms from now the
 * tenant must not send), max wait (ms), ttl (ms). Returns the ms to wait before the reserved
 * send, or -1 (nothing reserved) when that would be past max wait.
 */
const RESERVE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('HGET', KEYS[1], 't')) or 0
local paused = tonumber(redis.call('HGET', KEYS[1], 'p')) or 0
paused = math.max(paused, now + tonumber(ARGV[2]))
local start = math.max(tat, now, paused)
if start - now > tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], 't', start + tonumber(ARGV[1]), 'p', paused)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return start - now`;

interface ReserveCommand {
  talkstackPaceReserve(key: string, intervalMs: number, pauseMs: number, maxWaitMs: number, ttlMs: number): Promise<number>;
}

/** What another instance learned about a tenant: its rate (req/s) and how long it is paused from now (ms). */
export interface PaceLesson {
  readonly rate: number;
  readonly pauseMs: number;
}

export interface SharedPace {
  /**
   * Reserves `tenantId`'s next send in the cluster, at `rate` per second, not before `pauseMs`
   * from now: resolves the ms to wait for it, 'over' when that is past `maxWaitMs` (nothing
   * reserved), or undefined when Redis cannot answer (pace locally). Never rejects.
   */
  reserve(tenantId: string, rate: number, pauseMs: number, maxWaitMs: number): Promise<number | 'over' | undefined>;
  /** Tells the other instances what this one learned about `tenantId`. */
  publish(tenantId: string, lesson: PaceLesson): void;
}

export type LessonListener = (tenantFingerprint: string, lesson: PaceLesson) => void;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export class RedisSharedPace implements SharedPace {
  readonly #redis: RedisConnection;
  readonly #logger: Logger | undefined;
  readonly #fingerprints = new Map<string, string>();
  readonly #instance = Math.random().toString(36).slice(2);

  constructor(redis: RedisConnection, onLesson: LessonListener, logger?: Logger) {
    this.#redis = redis;
    this.#logger = logger;
    const commands = redis.commands as RedisConnection['commands'] & Partial<ReserveCommand>;
    if (!commands.talkstackPaceReserve) commands.defineCommand('talkstackPaceReserve', { numberOfKeys: 1, lua: RESERVE });
    // Commands are not queued while Redis is unreachable (enableOfflineQueue off): subscribe
    // once the connection is ready, and again after each reconnect (idempotent).
    const subscribe = () => void redis.subscriber.subscribe(PACE_CHANNEL).catch(() => undefined);
    redis.subscriber.on('ready', subscribe);
    if (redis.subscriber.status === 'ready') subscribe();
    redis.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== PACE_CHANNEL) return;
      try {
        const lesson = lessonOf(text, this.#instance);
        if (lesson) onLesson(lesson.tenant, lesson);
      } catch (error) {
        this.#logger?.warn({ errorName: error instanceof Error ? error.name : typeof error }, 'a pace message could not be applied; it was skipped');
      }
    });
  }

  /** How Redis names `tenantId`: a fingerprint, never the credential. */
  fingerprintOf(tenantId: string): string {
    let fingerprint = this.#fingerprints.get(tenantId);
    if (fingerprint === undefined) {
      fingerprint = this.#redis.fingerprintOf(`tenant:${tenantId}`);
      if (this.#fingerprints.size >= 10_000) this.#fingerprints.clear();
      this.#fingerprints.set(tenantId, fingerprint);
    }
    return fingerprint;
  }

  async reserve(tenantId: string, rate: number, pauseMs: number, maxWaitMs: number): Promise<number | 'over' | undefined> {
    if (this.#redis.state !== 'up') return undefined;
    const interval = 1000 / clamp(rate, MIN_RATE, MAX_RATE);
    const key = `${PACE_CHANNEL}:${this.fingerprintOf(tenantId)}`;
    try {
      const commands = this.#redis.commands as RedisConnection['commands'] & ReserveCommand;
      const wait = await commands.talkstackPaceReserve(key, Math.round(interval * 1000) / 1000, Math.max(0, Math.round(pauseMs)), Math.max(0, Math.round(maxWaitMs)), 60_000);
      if (typeof wait !== 'number' || !Number.isFinite(wait)) return undefined;
      return wait < 0 ? 'over' : clamp(wait, 0, maxWaitMs);
    } catch {
      return undefined;
    }
  }

  publish(tenantId: string, lesson: PaceLesson): void {
    if (this.#redis.state !== 'up') return;
    const text = JSON.stringify({ from: this.#instance, tenant: this.fingerprintOf(tenantId), rate: lesson.rate, pauseMs: Math.round(lesson.pauseMs) });
    this.#redis.commands.publish(PACE_CHANNEL, text).catch(() => undefined);
  }
}

/** A lesson read back from Redis, clamped; undefined for anything else or our own. */
function lessonOf(text: string, self: string): (PaceLesson & { tenant: string }) | undefined {
  if (text.length > 512) return undefined;
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'object' || value === null) return undefined;
  const { from, tenant, rate, pauseMs } = value as Record<string, unknown>;
  if (from === self || typeof tenant !== 'string' || typeof rate !== 'number' || typeof pauseMs !== 'number') return undefined;
  if (!Number.isFinite(rate) || !Number.isFinite(pauseMs)) return undefined;
  return { tenant, rate: clamp(rate, MIN_RATE, MAX_RATE), pauseMs: clamp(pauseMs, 0, MAX_PAUSE_MS) };
}

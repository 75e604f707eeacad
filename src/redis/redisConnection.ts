/**
 * The server's connections to Redis (`REDIS_URL`): one for commands, one for pub/sub
 * subscriptions (a subscribed connection cannot send other commands).
 *
 * Contract:
 * - a command answers or fails within `commandTimeoutMs` (default 200 ms): commands are never
 *   queued while disconnected (no offline queue, no per-command retries), so a Redis outage
 *   costs a caller at most that long, and callers fall back to upstream;
 * - the connections reconnect by themselves, every `RECONNECT_DELAY_MS` at most, forever;
 *   subscriptions are restored on reconnect (ioredis `autoResubscribe`);
 * - `state` is 'up' while the command connection is ready, 'down' otherwise (for
 *   `/readiness` and the fallbacks); a Redis outage never stops the server;
 * - errors are logged once per outage, not once per failed command or reconnect attempt;
 * - `close()` ends both connections without waiting for Redis.
 *
 * Keys never carry a credential: `keyFingerprint` names one by an HMAC of its digest under
 * `REDIS_KEY_SECRET` (the same secret on every instance, so instances agree on keys).
 */
import { createHash, createHmac } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import type { RedisState } from '../lifecycle/readiness.js';
import type { Credential } from '../identity/credential.js';
import { REDIS_KEY_PREFIX } from '../identity/keys.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 200;
const RECONNECT_DELAY_MS = 500;
const CONNECTION_LOST = Object.assign(new Error('connection lost'), { code: 'CONNECTION_LOST' });

export interface RedisConnectionOptions {
  url: string;
  /** REDIS_KEY_SECRET; without it keys use a plain SHA-256 of the credential digest */
  keySecret: string | undefined;
  logger: Logger;
  commandTimeoutMs?: number;
}

/**
 * What a log line may say about a Redis failure: the socket error code, or the first word of
 * Redis' own refusal (`WRONGPASS`, `NOAUTH`: fixed upper-case codes, never the secret);
 * otherwise only the error's class name.
 */
function causeOf(error: Error & { code?: string }): string {
  if (error.code) return error.code;
  const word = /^([A-Z]{3,20})\b/.exec(error.message)?.[1];
  return error.name === 'ReplyError' && word ? word : error.name;
}

export class RedisConnection {
  /** for commands (GET, SET, PUBLISH, EVAL…) */
  readonly commands: Redis;
  /** for SUBSCRIBE only; its 'message' events carry what other instances publish */
  readonly subscriber: Redis;
  readonly commandTimeoutMs: number;
  readonly #keySecret: string | undefined;
  readonly #valueKey: Buffer | undefined;
  readonly #fingerprints = new WeakMap<Credential, string>();
  #outageLogged = false;
  #closed = false;

  constructor({ url, keySecret, logger, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS }: RedisConnectionOptions) {
    this.commandTimeoutMs = commandTimeoutMs;
    this.#keySecret = keySecret;
    // A key of its own for value MACs, derived once: never the secret itself, never a key name.
    this.#valueKey = keySecret === undefined ? undefined : createHmac('sha256', keySecret).update(`${REDIS_KEY_PREFIX}value-mac`).digest();
    const options: RedisOptions = {
      commandTimeout: commandTimeoutMs,
      connectTimeout: Math.max(1000, commandTimeoutMs),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Commands of one tick go out in one write: many cache reads of one page cost one round trip.
      enableAutoPipelining: true,
      retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_DELAY_MS),
      // Never give up reconnecting, and never stop the process for a Redis error.
      reconnectOnError: () => false,
      lazyConnect: false,
    };
    this.commands = new Redis(url, options);
    this.subscriber = new Redis(url, { ...options, enableAutoPipelining: false });
    const onError = (error: Error & { code?: string }) => {
      if (this.#outageLogged || this.#closed) return;
      this.#outageLogged = true;
      // The URL may carry a password: never log it, nor the error's own text (it can quote it).
      logger.warn({ cause: causeOf(error) }, 'Redis unreachable: calls are fetched from upstream and each instance polls for its own subscribers until it is back');
    };
    this.commands.on('error', onError);
    this.subscriber.on('error', onError);
    // A connection that drops and comes back before a reconnect fails emits no 'error': the
    // outage is logged all the same (it lasted, however briefly).
    const onClose = () => onError(CONNECTION_LOST);
    this.commands.on('close', onClose);
    this.subscriber.on('close', onClose);
    // Back once both connections are: a late error of the other one would otherwise start a
    // second "outage" line for the same outage.
    const onReady = () => {
      if (this.commands.status !== 'ready' || this.subscriber.status !== 'ready') return;
      if (this.#outageLogged && !this.#closed) logger.info('Redis reachable again: sharing resumes');
      this.#outageLogged = false;
    };
    this.commands.on('ready', onReady);
    this.subscriber.on('ready', onReady);
  }

  get state(): RedisState {
    return this.commands.status === 'ready' ? 'up' : 'down';
  }

  /** how Redis keys name `credential`: never the credential, nor its plain digest with a secret set */
  keyFingerprint(credential: Credential): string {
    let fingerprint = this.#fingerprints.get(credential);
    if (fingerprint === undefined) {
      fingerprint = this.fingerprintOf(credential.id);
      this.#fingerprints.set(credential, fingerprint);
    }
    return fingerprint;
  }

  /** An HMAC of `name` under REDIS_KEY_SECRET (without it, a plain SHA-256): the same on every instance. */
  fingerprintOf(name: string): string {
    return (this.#keySecret ? createHmac('sha256', this.#keySecret) : createHash('sha256')).update(name).digest('base64url').slice(0, 32);
  }

  /**
   * The MAC of a value written under `key` (an HMAC under a key derived from REDIS_KEY_SECRET),
   * or undefined without the secret: then nothing read back can be authenticated.
   */
  valueMacOf(key: string, value: string): string | undefined {
    return this.#valueKey && createHmac('sha256', this.#valueKey).update(key).update('\u0000').update(value).digest('base64url').slice(0, 32);
  }

  /** Ends both connections at once (pending commands fail). */
  close(): void {
    this.#closed = true;
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}

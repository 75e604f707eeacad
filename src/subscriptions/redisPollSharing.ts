/**
 * One poller per (credential, call) across every instance sharing `REDIS_URL` (contract:
 * "one per call and credential, however many subscriptions and instances watch it").
 *
 * Per watched (credential, call), each instance with subscribers of it:
 * - tries a lease, `talkstack:poll:<fingerprint>:<call hash>:lease`, at every tick (half a poll
 *   interval; pollLease.ts). The lease lives 1.5 intervals: when the holder's instance dies,
 *   another one takes it within two intervals;
 * - polls upstream only while it holds the lease, and then publishes each outcome (the call,
 *   not found, a failure's code) on the channel `talkstack:poll:<…>` with its id,
 *   and keeps the latest call under `…:last` (3 intervals, at least 1 s) so a subscriber
 *   joining on another instance gets it at once, without an upstream request;
 * - otherwise delivers what the holder publishes to its own subscribers (its subscription to
 *   the channel is refcounted: one per channel and connection);
 * - gives the lease back (compare-and-delete) when its last local subscriber leaves, so
 *   another instance takes over at its next tick (unless what it last published ended every
 *   watcher of the call: final, not found, failed; then the lease expires, so no instance
 *   polls again before hearing it).
 * While Redis cannot be reached (a command fails or times out, the subscriber connection is
 * down), the instance polls upstream for its own subscribers; once Redis answers again, the
 * lease decides again and sharing resumes. Outcomes published by others are ignored while
 * this instance polls itself, so no subscriber counts a failure twice.
 *
 * Keys and channels name the credential by `keyFingerprint` only, never the credential or its
 * plain digest; the call by a hash of (projectId, sid).
 *
 * Redis is shared storage: what is read from there is checked before any subscriber sees it
 * (pollMessages.ts), and a message that fails a check is no message at all (subscribers go on
 * with the real holder's); `:last` values longer than `maxMessageBytes` are not even read (a
 * script checks their length first, redis/boundedGet.ts). Nothing thrown while handling a
 * message reaches ioredis' event emitter (it would be an uncaught exception): it is caught and
 * logged without the payload.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { REDIS_KEY_PREFIX, redisPollKeyOf, type CallKey } from '../identity/keys.js';
import type { Logger } from '../logging/logger.js';
import { boundedGet, TOO_LARGE } from '../redis/boundedGet.js';
import type { RedisConnection } from '../redis/redisConnection.js';
import type { PollOutcome, PollShare, PollShareHooks, PollSharing } from './callPollers.js';
import { PollLeases } from './pollLease.js';
import { decodePollOutcome, encodePollOutcome, type PollChannel } from './pollMessages.js';

export const LEASE_TTL_INTERVALS = 1.5;
export const LAST_CALL_TTL_INTERVALS = 3;
const MIN_LAST_CALL_TTL_MS = 1000;

const ignore = () => {};

/** The name the key of message MACs is derived from: no credential id (base64url, no ':') can be it. */
const SIGNING_NAME = `${REDIS_KEY_PREFIX}poll-messages`;

/** the key poll messages are signed with on every instance sharing `redis`'s REDIS_KEY_SECRET */
export const pollSigningKeyOf = (redis: RedisConnection): string => redis.fingerprintOf(SIGNING_NAME);

export interface RedisPollSharingOptions {
  /** where a failure while handling a message goes (never its payload); silent without */
  logger?: Logger;
  /** longest message or `:last` value read, in bytes (callShape.ts: sharedCallBytesLimit) */
  maxMessageBytes: number;
}

export class RedisPollSharing implements PollSharing {
  /** this instance's id in leases and messages: random per server */
  readonly instanceId = randomBytes(12).toString('base64url');
  readonly signingKey: string;
  readonly maxMessageBytes: number;
  readonly #logger: Logger | undefined;
  readonly #redis: RedisConnection;
  readonly leases: PollLeases;
  /** channel → the share its messages go to */
  readonly #shares = new Map<string, RedisPollShare>();
  /** channel → local shares subscribed to it */
  readonly #subscriptions = new Map<string, number>();

  constructor(redis: RedisConnection, { logger, maxMessageBytes }: RedisPollSharingOptions) {
    this.#redis = redis;
    this.#logger = logger;
    this.maxMessageBytes = maxMessageBytes;
    this.signingKey = pollSigningKeyOf(redis);
    this.leases = new PollLeases(redis.commands);
    redis.subscriber.on('message', this.#onMessage);
  }

  tickMs(intervalMs: number): number {
    return Math.max(1, Math.floor(intervalMs / 2));
  }

  join({ credential, address }: CallKey, intervalMs: number, hooks: PollShareHooks): PollShare {
    const channel = redisPollKeyOf(this.#redis.keyFingerprint(credential), address);
    const share = new RedisPollShare(this, { channel, address, signingKey: this.signingKey, maxBytes: this.maxMessageBytes }, intervalMs, hooks);
    this.#shares.set(channel, share);
    share.begin();
    return share;
  }

  get commands(): Redis {
    return this.#redis.commands;
  }

  /** both connections are up: another instance's outcomes can reach this one */
  get reachable(): boolean {
    return this.#redis.subscriber.status === 'ready' && this.#redis.commands.status === 'ready';
  }

  /** SUBSCRIBE (idempotent in Redis: sent for every share, counted so the last one unsubscribes) */
  subscribe(channel: string): Promise<unknown> {
    return this.#redis.subscriber.subscribe(channel);
  }

  addSubscriber(channel: string): void {
    this.#subscriptions.set(channel, (this.#subscriptions.get(channel) ?? 0) + 1);
  }

  removeSubscriber(channel: string, share: RedisPollShare): void {
    if (this.#shares.get(channel) === share) this.#shares.delete(channel);
    const left = (this.#subscriptions.get(channel) ?? 1) - 1;
    if (left > 0) {
      this.#subscriptions.set(channel, left);
      return;
    }
    this.#subscriptions.delete(channel);
    this.#redis.subscriber.unsubscribe(channel).catch(ignore);
  }

  /** Something thrown while handling a message: logged, never let out (see #onMessage). */
  noteFailure(error: unknown, what: string): void {
    this.#logger?.warn({ errorName: error instanceof Error ? error.name : typeof error }, `Redis poll sharing: handling ${what} failed; it was ignored`);
  }

  // Runs inside ioredis' 'message' emitter: anything thrown here would be an uncaught
  // exception, so nothing is.
  #onMessage = (channel: string, message: string): void => {
    try {
      this.#shares.get(channel)?.received(message);
    } catch (error) {
      this.noteFailure(error, 'a poll message');
    }
  };
}

type Role = 'starting' | 'holder' | 'follower' | 'alone';

class RedisPollShare implements PollShare {
  readonly #sharing: RedisPollSharing;
  readonly #pollChannel: PollChannel;
  readonly #channel: string;
  readonly #leaseKey: string;
  readonly #lastKey: string;
  readonly #leaseTtlMs: number;
  readonly #lastTtlMs: number;
  readonly #hooks: PollShareHooks;
  #role: Role = 'starting';
  #subscribed = false;
  #subscribing = false;
  /** the lease command in flight, if any: ticks never stack them */
  #leasing: Promise<void> | undefined;
  /** whether anything (received or polled) was delivered: a late `last` must not go back in time */
  #delivered = false;
  /**
   * The last outcome this instance published ended its watchers (final, not found, failed):
   * the others got it too, so the lease is left to expire rather than given back, or an
   * instance reading its lease reply before that message would poll once more for nothing.
   */
  #publishedEnd = false;
  #closed = false;

  constructor(sharing: RedisPollSharing, address: PollChannel, intervalMs: number, hooks: PollShareHooks) {
    this.#sharing = sharing;
    this.#pollChannel = address;
    const { channel } = address;
    this.#channel = channel;
    this.#leaseKey = `${channel}:lease`;
    this.#lastKey = `${channel}:last`;
    this.#leaseTtlMs = Math.ceil(intervalMs * LEASE_TTL_INTERVALS);
    this.#lastTtlMs = Math.max(MIN_LAST_CALL_TTL_MS, Math.ceil(intervalMs * LAST_CALL_TTL_INTERVALS));
    this.#hooks = hooks;
  }

  get polling(): boolean {
    return this.#role === 'holder' || this.#role === 'alone';
  }

  /** reads the latest call; subscribes, then tries the lease (a follower must hear the holder) */
  begin(): void {
    this.#sharing.addSubscriber(this.#channel);
    boundedGet(this.#sharing.commands, this.#lastKey, this.#sharing.maxMessageBytes).then((last) => {
      if (last === null || last === TOO_LARGE || this.#closed || this.#delivered) return;
      // Only calls are stored there: anything else is not this server's.
      const decoded = decodePollOutcome(last, this.#pollChannel);
      if (decoded?.outcome.kind !== 'call') return;
      try {
        this.#deliver(decoded.outcome, false);
      } catch (error) {
        this.#sharing.noteFailure(error, 'the latest call');
      }
    }, ignore);
    void this.#subscribe().then(() => this.#lease());
  }

  tick(): void {
    if (this.#closed) return;
    if (!this.#subscribed) void this.#subscribe();
    this.#lease();
  }

  publish(outcome: PollOutcome): void {
    this.#delivered = true;
    if (this.#role !== 'holder') return;
    this.#publishedEnd = outcome.kind !== 'call' || outcome.call.isFinal;
    const message = encodePollOutcome(this.#sharing.instanceId, outcome, this.#pollChannel);
    const commands = this.#sharing.commands;
    if (outcome.kind === 'call') commands.set(this.#lastKey, message, 'PX', this.#lastTtlMs).catch(ignore);
    commands.publish(this.#channel, message).catch(ignore);
  }

  /** a message on the channel: delivered when another instance could have sent it */
  received(message: string): void {
    // Polling itself (holder, or alone while Redis seemed down): its own outcomes are the ones.
    if (this.#closed || this.polling) return;
    const decoded = decodePollOutcome(message, this.#pollChannel);
    if (!decoded || decoded.from === this.#sharing.instanceId) return;
    this.#deliver(decoded.outcome, true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sharing.removeSubscriber(this.#channel, this);
    await this.#leasing;
    if (this.#role === 'holder' && !this.#publishedEnd) await this.#sharing.leases.release(this.#leaseKey, this.#sharing.instanceId);
  }

  #deliver(outcome: PollOutcome, polledNow: boolean): void {
    this.#delivered = true;
    this.#hooks.deliver(outcome, polledNow);
  }

  #subscribe(): Promise<void> {
    if (this.#subscribing || this.#closed) return Promise.resolve();
    this.#subscribing = true;
    return this.#sharing.subscribe(this.#channel).then(
      () => {
        this.#subscribing = false;
        this.#subscribed = true;
      },
      () => {
        this.#subscribing = false;
      },
    );
  }

  #lease(): void {
    if (this.#leasing || this.#closed) return;
    this.#leasing = this.#sharing.leases.takeOrExtend(this.#leaseKey, this.#sharing.instanceId, this.#leaseTtlMs).then(
      (held) => this.#settle(held ? 'holder' : 'follower'),
      () => this.#settle('alone'),
    );
  }

  #settle(role: Role): void {
    this.#leasing = undefined;
    if (this.#closed) {
      this.#role = role;
      return;
    }
    // Following needs the holder's messages: without a live subscription, poll for ourselves.
    const next = role === 'follower' && !(this.#subscribed && this.#sharing.reachable) ? 'alone' : role;
    const wasPolling = this.polling;
    this.#role = next;
    if (this.polling && !wasPolling) this.#hooks.wake();
  }
}

/**
 * One poller per (credential, call) across every instance sharing `REDIS_URL` (contract:
 * "one per call and credential, however many subscriptions and instances watch it").
 *
 * Per watched (credential, call), each instance with subscribers of it:
 * - tries a lease, `talkstack:poll:<fingerprint>:<call hash>:lease`, at every tick (half a poll
 *   interval): SET if absent, or extended when it already holds it (one Lua script; its value
 *   is the instance's random id, so only the holder extends or deletes it). The lease lives 1.5
 *   intervals: when the holder's instance dies, another one takes it within two intervals;
 * - polls upstream only while it holds the lease, and then publishes each outcome (the call,
 *   not found, a failure's code and message) on the channel `talkstack:poll:<…>` with its id,
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
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Call, CallAddress } from '../calls/call.js';
import {
  BadUserInputError,
  type CallDataError,
  type ErrorCode,
  ForbiddenError,
  isCallDataError,
  NotFoundError,
  RateLimitedError,
  TooManySubscriptionsError,
  UnauthenticatedError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../errors.js';
import type { PollOutcome, PollShare, PollShareHooks, PollSharing } from '../subscriptions/callPollers.js';
import type { Credential } from '../talkstack/credentials.js';
import { KEY_PREFIX, type RedisConnection } from './redisConnection.js';

export const LEASE_TTL_INTERVALS = 1.5;
export const LAST_CALL_TTL_INTERVALS = 3;
const MIN_LAST_CALL_TTL_MS = 1000;

// 1: this instance holds the lease after the call (taken now, or extended); 0: another does.
const TAKE_OR_EXTEND = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const DELETE_IF_HELD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

interface LeaseCommands {
  talkstackPollLease(key: string, holder: string, ttlMs: number): Promise<number>;
  talkstackPollRelease(key: string, holder: string): Promise<number>;
}

const ignore = () => {};

// Messages: `<instance id>\n<kind>\n<payload>`. A call's payload is its JSON, which is also the
// snapshot subscribers compare: no second serialization on either side.
const CALL = 'c';
const NOT_FOUND = 'n';
const FAILED = 'f';

type ErrorConstructor = new (message: string) => CallDataError;
const ERRORS_BY_CODE: Partial<Record<ErrorCode, ErrorConstructor>> = {
  BAD_USER_INPUT: BadUserInputError,
  UNAUTHENTICATED: UnauthenticatedError,
  FORBIDDEN: ForbiddenError,
  RATE_LIMITED: RateLimitedError,
  UPSTREAM_ERROR: UpstreamError,
  UPSTREAM_TIMEOUT: UpstreamTimeoutError,
  UPSTREAM_BAD_RESPONSE: UpstreamBadResponseError,
  NOT_FOUND: NotFoundError,
  TOO_MANY_SUBSCRIPTIONS: TooManySubscriptionsError,
};

/** A failure as another instance saw it: the same code and message (anything else stays masked). */
function errorFrom(code: string, message: string): unknown {
  const Known = ERRORS_BY_CODE[code as ErrorCode];
  return Known ? new Known(message) : new Error('a poll failed on another instance');
}

export function encodePollOutcome(instanceId: string, outcome: PollOutcome): string {
  if (outcome.kind === 'call') return `${instanceId}\n${CALL}\n${outcome.snapshot}`;
  if (outcome.kind === 'not-found') return `${instanceId}\n${NOT_FOUND}\n`;
  const error = outcome.error;
  // Only domain errors carry a message written for API users; anything else is internal.
  const failure = isCallDataError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: '' };
  return `${instanceId}\n${FAILED}\n${JSON.stringify(failure)}`;
}

/** The sender's id and the outcome; undefined for a message this version does not read. */
export function decodePollOutcome(message: string): { from: string; outcome: PollOutcome } | undefined {
  const first = message.indexOf('\n');
  const second = message.indexOf('\n', first + 1);
  if (first < 0 || second < 0) return undefined;
  const from = message.slice(0, first);
  const kind = message.slice(first + 1, second);
  const payload = message.slice(second + 1);
  try {
    if (kind === CALL) return { from, outcome: { kind: 'call', call: JSON.parse(payload) as Call, snapshot: payload } };
    if (kind === NOT_FOUND) return { from, outcome: { kind: 'not-found' } };
    if (kind === FAILED) {
      const { code, message: text } = JSON.parse(payload) as { code: string; message: string };
      return { from, outcome: { kind: 'failed', error: errorFrom(String(code), String(text)) } };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** `talkstack:poll:<fingerprint>:<hash of projectId and sid>` */
export function pollKeyOf(fingerprint: string, { projectId, sid }: CallAddress): string {
  const call = createHash('sha256').update(`${projectId}\u0000${sid}`).digest('base64url').slice(0, 22);
  return `${KEY_PREFIX}poll:${fingerprint}:${call}`;
}

export class RedisPollSharing implements PollSharing {
  /** this instance's id in leases and messages: random per server */
  readonly instanceId = randomBytes(12).toString('base64url');
  readonly #redis: RedisConnection;
  readonly #commands: Redis & LeaseCommands;
  /** channel → the share its messages go to */
  readonly #shares = new Map<string, RedisPollShare>();
  /** channel → local shares subscribed to it */
  readonly #subscriptions = new Map<string, number>();

  constructor(redis: RedisConnection) {
    this.#redis = redis;
    const commands = redis.commands as Redis & Partial<LeaseCommands>;
    if (!commands.talkstackPollLease) {
      commands.defineCommand('talkstackPollLease', { numberOfKeys: 1, lua: TAKE_OR_EXTEND });
      commands.defineCommand('talkstackPollRelease', { numberOfKeys: 1, lua: DELETE_IF_HELD });
    }
    this.#commands = commands as Redis & LeaseCommands;
    redis.subscriber.on('message', this.#onMessage);
  }

  tickMs(intervalMs: number): number {
    return Math.max(1, Math.floor(intervalMs / 2));
  }

  join(credential: Credential, address: CallAddress, intervalMs: number, hooks: PollShareHooks): PollShare {
    const channel = pollKeyOf(this.#redis.keyFingerprint(credential), address);
    const share = new RedisPollShare(this, channel, intervalMs, hooks);
    this.#shares.set(channel, share);
    share.begin();
    return share;
  }

  get commands(): Redis & LeaseCommands {
    return this.#commands;
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

  #onMessage = (channel: string, message: string): void => {
    const share = this.#shares.get(channel);
    if (!share) return;
    const decoded = decodePollOutcome(message);
    if (!decoded || decoded.from === this.instanceId) return;
    share.received(decoded.outcome);
  };
}

type Role = 'starting' | 'holder' | 'follower' | 'alone';

class RedisPollShare implements PollShare {
  readonly #sharing: RedisPollSharing;
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

  constructor(sharing: RedisPollSharing, channel: string, intervalMs: number, hooks: PollShareHooks) {
    this.#sharing = sharing;
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
    this.#sharing.commands.get(this.#lastKey).then((last) => {
      if (last === null || this.#closed || this.#delivered) return;
      const decoded = decodePollOutcome(last);
      if (decoded) this.#deliver(decoded.outcome, false);
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
    const message = encodePollOutcome(this.#sharing.instanceId, outcome);
    const commands = this.#sharing.commands;
    if (outcome.kind === 'call') commands.set(this.#lastKey, message, 'PX', this.#lastTtlMs).catch(ignore);
    commands.publish(this.#channel, message).catch(ignore);
  }

  received(outcome: PollOutcome): void {
    // Polling itself (holder, or alone while Redis seemed down): its own outcomes are the ones.
    if (this.#closed || this.polling) return;
    this.#deliver(outcome, true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sharing.removeSubscriber(this.#channel, this);
    await this.#leasing;
    if (this.#role === 'holder' && !this.#publishedEnd) await this.#sharing.commands.talkstackPollRelease(this.#leaseKey, this.#sharing.instanceId).catch(ignore);
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
    this.#leasing = this.#sharing.commands.talkstackPollLease(this.#leaseKey, this.#sharing.instanceId, this.#leaseTtlMs).then(
      (held) => this.#settle(held === 1 ? 'holder' : 'follower'),
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

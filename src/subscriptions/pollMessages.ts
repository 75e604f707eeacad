/**
 * The messages poll sharing sends through Redis (subscriptions/redisPollSharing.ts), and how
 * one is read back. Redis is shared storage: whoever can write to it can PUBLISH on a channel or
 * SET a `:last` key, so a message is read only when this server could have sent it:
 * - longer than the channel's `maxBytes`: not read;
 * - each message carries a MAC of its body, channel and sender under a key derived from
 *   REDIS_KEY_SECRET: without the secret nobody forges or replays one onto another channel
 *   (without REDIS_KEY_SECRET, which the server warns about, the key is public and only the
 *   checks below remain);
 * - a call must be one of the channel's own address that this server's mapping could have
 *   produced (calls/callShape.ts); a failure names only a code a poll can really fail with, and
 *   followers' subscribers get this server's own message for it, never a text from Redis.
 *
 * Format: `<instance id>\n<mac>\n<kind>\n<payload>`; a call's payload is its JSON, a failure's
 * its code alone.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CallAddress } from '../calls/call.js';
import { isCallDataError } from '../calls/callDataErrors.js';
import { sharedCallOf } from '../calls/callShape.js';
import { isUpstreamFailureCode, upstreamFailure } from '../talkstack/upstreamFailures.js';
import { callSnapshotOf, type PollOutcome } from './callPollers.js';

const CALL = 'c';
const NOT_FOUND = 'n';
const FAILED = 'f';
/** a poll that failed with something other than a domain error: masked, as on the holder */
const INTERNAL = 'INTERNAL';
const MAC_LENGTH = 32;

/**
 * A failure's code as it crosses Redis: the failures a poll can really have (the client's,
 * talkstack/upstreamFailures.ts) are made again with their standard text, so nobody who can
 * PUBLISH on Redis chooses what a client reads; anything else is no message.
 */
function failureOf(code: string): unknown {
  if (code === INTERNAL) return new Error('a poll failed on another instance');
  return isUpstreamFailureCode(code) ? upstreamFailure(code) : undefined;
}

/**
 * What a message on one channel is read against: the call the channel is for (a call of any
 * other address is no message), and the cluster's key for message MACs.
 */
export interface PollChannel {
  readonly channel: string;
  readonly address: CallAddress;
  /** secret with REDIS_KEY_SECRET (see RedisPollSharing); without it anyone can compute it */
  readonly signingKey: string;
  /** longer messages are not read (callShape.ts: sharedCallBytesLimit) */
  readonly maxBytes: number;
}

/** MAC of a message's body under the cluster's key, bound to its channel and sender. */
function macOf(channel: PollChannel, from: string, body: string): string {
  return createHmac('sha256', channel.signingKey).update(`${channel.channel}\u0000${from}\u0000${body}`).digest('base64url').slice(0, MAC_LENGTH);
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function encodePollOutcome(instanceId: string, outcome: PollOutcome, channel: PollChannel): string {
  let body: string;
  // The whole call, its fetchedAt included (the snapshot leaves it out: it tells changes).
  if (outcome.kind === 'call') body = `${CALL}\n${JSON.stringify(outcome.call)}`;
  else if (outcome.kind === 'not-found') body = `${NOT_FOUND}\n`;
  else {
    // Only the domain errors a poll can have keep their code; anything else is internal.
    const { error } = outcome;
    body = `${FAILED}\n${isCallDataError(error) && isUpstreamFailureCode(error.code) ? error.code : INTERNAL}`;
  }
  return sealPollMessage(instanceId, body, channel);
}

/** `<kind>\n<payload>` as sent by `instanceId` on `channel`, with its MAC. */
export function sealPollMessage(instanceId: string, body: string, channel: PollChannel): string {
  return `${instanceId}\n${macOf(channel, instanceId, body)}\n${body}`;
}

/**
 * The sender's id and the outcome; undefined for anything this server could not have sent on
 * `channel`: too long, malformed, a wrong MAC, a call that is not one of `channel.address`
 * this server's mapping could have produced (calls/callShape.ts), an unknown failure code.
 * Never throws.
 */
export function decodePollOutcome(message: string, channel: PollChannel): { from: string; outcome: PollOutcome } | undefined {
  if (message.length > channel.maxBytes) return undefined;
  const first = message.indexOf('\n');
  const second = message.indexOf('\n', first + 1);
  const third = message.indexOf('\n', second + 1);
  if (first < 0 || second < 0 || third < 0) return undefined;
  const from = message.slice(0, first);
  const body = message.slice(second + 1);
  if (!sameText(message.slice(first + 1, second), macOf(channel, from, body))) return undefined;
  const kind = message.slice(second + 1, third);
  const payload = message.slice(third + 1);
  if (kind === CALL) {
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return undefined;
    }
    const call = sharedCallOf(value, channel.address);
    return call && { from, outcome: { kind: 'call', call, snapshot: callSnapshotOf(call) } };
  }
  if (kind === NOT_FOUND) return payload === '' ? { from, outcome: { kind: 'not-found' } } : undefined;
  if (kind === FAILED) {
    const error = failureOf(payload);
    return error === undefined ? undefined : { from, outcome: { kind: 'failed', error } };
  }
  return undefined;
}

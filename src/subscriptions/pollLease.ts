/**
 * The lease that makes one instance the poller of a call for the whole cluster
 * (redisPollSharing.ts): a Redis key whose value is the holder's random instance id, so only
 * the holder extends or deletes it. Each step is one Lua script, atomic in Redis:
 * - take or extend: SET it when absent, extend it when this instance holds it; true when this
 *   instance holds it afterwards. A lease always expires (contract: "a poll lease always
 *   expires, and a malformed or never-expiring one is taken over within two poll intervals"):
 *   one that is not an instance id, has no expiry, or is not a string at all is taken over at
 *   once, and one set to live longer than two leases is cut down to one, so whoever can write
 *   to Redis cannot stall a call's subscribers;
 * - release: compare and delete, so a lease another instance took meanwhile is never removed.
 * Both reject when Redis fails or times out (the caller then polls alone).
 */
import type { Redis } from 'ioredis';

const TAKE_OR_EXTEND = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'string' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
local ttl = redis.call('PTTL', KEYS[1])
if holder == false or ttl < 0 or string.len(holder) ~= 16 or not string.match(holder, '^[A-Za-z0-9_-]+$') then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if ttl > 2 * tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const DELETE_IF_HELD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** The scripts as ioredis commands (`defineCommand` adds them to the connection at run time). */
interface LeaseCommands {
  talkstackPollLease(key: string, holder: string, ttlMs: number): Promise<number>;
  talkstackPollRelease(key: string, holder: string): Promise<number>;
}

const ignore = () => {};

export class PollLeases {
  readonly #commands: Redis & LeaseCommands;

  constructor(commands: Redis) {
    const defined = commands as Redis & Partial<LeaseCommands>;
    // One connection may serve several servers in a process (tests): define the scripts once.
    if (!defined.talkstackPollLease) {
      defined.defineCommand('talkstackPollLease', { numberOfKeys: 1, lua: TAKE_OR_EXTEND });
      defined.defineCommand('talkstackPollRelease', { numberOfKeys: 1, lua: DELETE_IF_HELD });
    }
    this.#commands = defined as Redis & LeaseCommands;
  }

  /** Takes the lease of `key` for `holder`, or extends it if `holder` has it: whether `holder` holds it now. */
  async takeOrExtend(key: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.#commands.talkstackPollLease(key, holder, ttlMs)) === 1;
  }

  /** Gives the lease of `key` back if `holder` still holds it; never rejects. */
  release(key: string, holder: string): Promise<void> {
    return this.#commands.talkstackPollRelease(key, holder).then(ignore, ignore);
  }
}

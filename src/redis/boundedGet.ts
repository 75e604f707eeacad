/**
 * GET that never brings a value larger than a bound into this process: Redis is shared storage,
 * and a plain GET of a 40 MB value someone wrote there costs 40 MB of memory and its parse on
 * every read. One script, one round trip: STRLEN (O(1)), and the value only when it fits.
 *
 * `boundedGet(commands, key, maxBytes)` resolves the value, `null` when the key is absent, or
 * `TOO_LARGE` when it holds more than `maxBytes` bytes; it rejects as GET does (Redis errors,
 * timeouts, a key of another type).
 */
import type { Redis } from 'ioredis';

export const TOO_LARGE = Symbol('value too large');

const GET_IF_SMALL = `
local size = redis.call('STRLEN', KEYS[1])
if size > tonumber(ARGV[1]) then return size end
return redis.call('GET', KEYS[1])`;

interface BoundedGetCommand {
  talkstackBoundedGet(key: string, maxBytes: number): Promise<string | number | null>;
}

/** Defines the script on `commands` once (EVALSHA, loaded again by ioredis after a Redis restart). */
function withBoundedGet(commands: Redis): Redis & BoundedGetCommand {
  const defined = commands as Redis & Partial<BoundedGetCommand>;
  if (!defined.talkstackBoundedGet) commands.defineCommand('talkstackBoundedGet', { numberOfKeys: 1, lua: GET_IF_SMALL });
  return commands as Redis & BoundedGetCommand;
}

export async function boundedGet(commands: Redis, key: string, maxBytes: number): Promise<string | null | typeof TOO_LARGE> {
  const value = await withBoundedGet(commands).talkstackBoundedGet(key, maxBytes);
  return typeof value === 'number' ? TOO_LARGE : value;
}

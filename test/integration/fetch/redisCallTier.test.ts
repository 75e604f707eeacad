/**
 * The Redis tier of the fetch pipeline (fetch/redisCallTier.ts) against a real redis-server,
 * with the memory layer in front and coalescing behind, as fetch/fetchPipeline.ts composes them,
 * over a fake end of the pipeline that counts its fetches: concurrent lookups of a missing call
 * share one Redis read and one upstream fetch, written once under the URI-encoded project; a
 * Redis hit is held in memory until the entry's own expiry, and no longer than the reader's own
 * TTL rules allow. (Two whole servers sharing Redis: redisSharedCache.test.ts.)
 *
 * Without redis-server these are skipped and the run says so (support/redisServer.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import { sharedCallBytesLimit } from '../../../src/calls/callShape.js';
import { Coalescing } from '../../../src/fetch/coalescing.js';
import { composeFetch, type FetchCall } from '../../../src/fetch/fetchCall.js';
import { UNENDING_SCOPE } from '../../../src/fetch/fetchScope.js';
import { CallStore } from '../../../src/fetch/callStore.js';
import { decodeSharedCall, RedisCallTier } from '../../../src/fetch/redisCallTier.js';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { type CallKey, callKeyOf } from '../../../src/identity/keys.js';
import { createLogger } from '../../../src/logging/logger.js';
import { RedisConnection } from '../../../src/redis/redisConnection.js';
import { mappedCall } from '../../support/callFixtures.js';
import { requireRedis, skipRedis, startRedis, type RedisServer } from '../../support/redisServer.js';

const KEY_SECRET = 'redis-tier-test-secret-0123456789';
const MAX_VALUE_BYTES = sharedCallBytesLimit(262_144);
const credential = makeCredential(undefined, 'tier-key') as Credential;
const busy = ({ address }: CallKey): Call => mappedCall({ sid: address.sid, projectId: address.projectId });

/** Polls `condition` every 10 ms until it holds; fails after 5 s. */
async function eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(skipRedis)('the Redis tier between memory and coalescing', () => {
  let redisServer: RedisServer;
  let redis: RedisConnection;

  /** memory → Redis tier → coalescing → `last`, as the pipeline composes them */
  const pipelineOver = (last: FetchCall, ttlSeconds = 3600) => {
    const memory = new CallStore({ ttlSeconds, staleSeconds: 0, maxBytes: 64 * 1024 * 1024 });
    const tier = new RedisCallTier(redis, { ttlSeconds, memory, maxValueBytes: MAX_VALUE_BYTES });
    return { memory, tier, fetchCall: composeFetch([memory.layer, tier.layer, new Coalescing().layer], last) };
  };

  beforeAll(async () => {
    requireRedis();
    redisServer = await startRedis();
    redis = new RedisConnection({ url: redisServer.url, keySecret: KEY_SECRET, logger: createLogger('silent') });
    await eventually(() => redis.state === 'up', 'the connection is up');
  });
  afterAll(async () => {
    redis?.close();
    await redisServer?.stop();
  });

  it('concurrent lookups of one missing call share one Redis read and one upstream fetch', async () => {
    let fetches = 0;
    const { memory, tier, fetchCall } = pipelineOver(async (key) => {
      fetches++;
      return busy(key);
    });
    const key = callKeyOf(credential, { projectId: 'p:1/ä', sid: 'CAconcurrent' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetchCall(key, UNENDING_SCOPE)));
    expect(fetches).toBe(1);
    expect(new Set(answers).size).toBe(1);
    expect(tier.stats).toMatchObject({ hit: 0, miss: 1, error: 0 });
    expect(memory.stats).toMatchObject({ hit: 0, miss: 20 });
    // Stored once, under the encoded project.
    await eventually(async () => (await redisServer.client().exists(`talkstack:call:${redis.keyFingerprint(credential)}:${encodeURIComponent('p:1/ä')}:CAconcurrent`)) === 1, 'written');
    expect(tier.stats.writeError).toBe(0);
  });

  it("a Redis hit is held in memory until the entry's own expiry, and no longer than the reader's TTL rules allow", async () => {
    const writer = pipelineOver(async (key) => busy(key));
    const key = callKeyOf(credential, { projectId: 'p', sid: 'CAcapped' });
    await writer.fetchCall(key, UNENDING_SCOPE);
    const redisKey = writer.tier.redisKeyOf(key);
    await eventually(async () => (await redisServer.client().exists(redisKey)) === 1, 'written');

    const reader = pipelineOver(async () => {
      throw new Error('must be answered from Redis');
    });
    await reader.fetchCall(key, UNENDING_SCOPE);
    const stored = decodeSharedCall((await redisServer.client().get(redisKey)) as string, key.address, MAX_VALUE_BYTES);
    expect(reader.memory.expiresAt(key)).toBe(stored?.expiresAt);
    expect(reader.memory.expiresAt(callKeyOf(makeCredential('Bearer other', undefined) as Credential, key.address))).toBeUndefined();

    const shortLived = pipelineOver(async () => {
      throw new Error('must be answered from Redis');
    }, 30);
    const before = Date.now();
    await shortLived.fetchCall(key, UNENDING_SCOPE);
    const expiresAt = shortLived.memory.expiresAt(key) ?? 0;
    expect(expiresAt).toBeGreaterThan(before);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30_000);
    expect(writer.memory.expiresAt(key)).toBeGreaterThan(Date.now() + 3590_000);
  });
});

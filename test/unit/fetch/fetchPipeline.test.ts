/**
 * The fetch pipeline as composed (fetch/fetchPipeline.ts), over a fake Talkstack client:
 * `composeFetch` runs layers outermost first, and the real layers sit in the documented order
 * (memory → Redis tier when given → coalescing → upstream logging → the client), which is
 * seen from what each one spares the others: a memory hit asks nothing below it, a Redis
 * read comes before any fetch starts, concurrent lookups share one fetch below the caches,
 * and a failure shared by several waiters is logged once. Then the logging layer on its own
 * (which failures, and what a line may say) and the pipeline without cache layers.
 * The memory layer alone: test/unit/fetch/callStore.test.ts; the Redis tier against a real Redis:
 * test/integration/fetch/redisCallTier.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src/calls/call.js';
import {
  BadUserInputError,
  type CallDataError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../../../src/calls/callDataErrors.js';
import { composeFetch, type FetchCall, type FetchLayer } from '../../../src/fetch/fetchCall.js';
import { createFetchPipeline } from '../../../src/fetch/fetchPipeline.js';
import { FetchScope, UNENDING_SCOPE } from '../../../src/fetch/fetchScope.js';
import { upstreamLogging } from '../../../src/fetch/upstreamLogging.js';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { type CallKey, callKeyOf } from '../../../src/identity/keys.js';
import { createLogFingerprint } from '../../../src/logging/logFingerprint.js';
import { createLogger } from '../../../src/logging/logger.js';
import { clipForLog } from '../../../src/logging/logText.js';
import type { RedisConnection } from '../../../src/redis/redisConnection.js';
import { type Cancellation, CANCELLED_ERROR, CancelledError } from '../../../src/talkstack/cancellation.js';
import type { TalkstackClient } from '../../../src/talkstack/client.js';
import type { TalkstackCall } from '../../../src/talkstack/decode.js';
import { decodedCall } from '../../support/callFixtures.js';

const API_KEY = 'sk-live-do-not-log-me';
const credential = makeCredential('Bearer token-do-not-log-me', API_KEY) as Credential;
const keyOf = (sid: string, projectId = 'p'): CallKey => callKeyOf(credential, { projectId, sid });

/** A final, settled upstream call: the caches keep it for CACHE_TTL_SECONDS. */
const BUSY = decodedCall({ status: 'busy' });

/** Log lines, parsed. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

interface Asked {
  readonly sid: string;
  readonly cancellation: Cancellation | undefined;
  resolve(call: TalkstackCall | null): void;
  reject(error: unknown): void;
}

/** A Talkstack client whose every fetch waits for the test, stopping (CancelledError) when its cancellation fires, as the real one does. */
function fakeClient() {
  const asked: Asked[] = [];
  const client: TalkstackClient = {
    fetchCall: (request, _credential, cancellation) =>
      new Promise((resolve, reject) => {
        asked.push({ sid: request.sid, cancellation, resolve, reject });
        cancellation?.listen(() => reject(CANCELLED_ERROR));
      }),
    close: async () => {},
  };
  return { client, asked };
}

/** Lets the promise callbacks queued so far run. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function pipelineOf(options: { cacheTtlSeconds?: number; staleIfErrorSeconds?: number; redis?: RedisConnection; now?: () => number } = {}) {
  const { client, asked } = fakeClient();
  const { logger, lines, parsed } = capturedLogger();
  const fingerprint = createLogFingerprint();
  const pipeline = createFetchPipeline({
    cacheTtlSeconds: options.cacheTtlSeconds ?? 3600,
    staleIfErrorSeconds: options.staleIfErrorSeconds ?? 0,
    cacheMaxBytes: 64 * 1024 * 1024,
    redis: options.redis,
    maxRedisValueBytes: 64 * 1024,
    client,
    logging: { logger, fingerprint, upstreamHost: 'talkstack.test' },
    ...(options.now ? { now: options.now } : {}),
  });
  return { pipeline, asked, lines, parsed, fingerprint };
}

describe('composeFetch', () => {
  it('runs the first layer outermost: each layer is asked before, and answers after, the ones below it', async () => {
    const events: string[] = [];
    const recording =
      (name: string): FetchLayer =>
      (next) =>
      async (key, scope) => {
        events.push(`${name} asked`);
        const call = await next(key, scope);
        events.push(`${name} answers`);
        return call;
      };
    const last: FetchCall = async () => {
      events.push('last');
      return null;
    };
    await composeFetch([recording('memory'), recording('redis'), recording('coalescing'), recording('logging')], last)(keyOf('CA1'), UNENDING_SCOPE);
    expect(events).toEqual([
      'memory asked',
      'redis asked',
      'coalescing asked',
      'logging asked',
      'last',
      'logging answers',
      'coalescing answers',
      'redis answers',
      'memory answers',
    ]);
    // No layers: the last fetch itself.
    expect(composeFetch([], last)).toBe(last);
  });
});

describe('the pipeline, in its order', () => {
  it('maps what the client answers for the address asked; null stays null', async () => {
    const { pipeline, asked } = pipelineOf();
    const known = pipeline.fetchCall(keyOf('CAknown'), UNENDING_SCOPE);
    const unknown = pipeline.fetchCall(keyOf('CAunknown'), UNENDING_SCOPE);
    asked[0]?.resolve(BUSY);
    asked[1]?.resolve(null);
    expect(await known).toMatchObject({ sid: 'CAknown', projectId: 'p', status: 'BUSY', isFinal: true });
    expect(await unknown).toBeNull();
  });

  it('memory first: a kept call is answered without a fetch, and the coalescing below it never sees the lookup', async () => {
    let clock = 1_000_000;
    const { pipeline, asked } = pipelineOf({ now: () => clock });
    const first = pipeline.fetchCall(keyOf('CA1'), new FetchScope());
    expect(pipeline.stats().coalescing).toEqual({ inFlight: 1, waiters: 1 });
    asked[0]?.resolve(BUSY);
    const call = (await first) as Call;

    const again = pipeline.fetchCall(keyOf('CA1'), new FetchScope());
    expect(pipeline.stats().coalescing).toEqual({ inFlight: 0, waiters: 0 });
    expect(await again).toBe(call);
    expect(asked).toHaveLength(1);
    expect(pipeline.stats().memory).toEqual({ hit: 1, miss: 1, size: 1, bytes: expect.any(Number) });
    // What the fast path for settled answers asks about the memory layer.
    expect(pipeline.expiresAt(keyOf('CA1'))).toBe(1_000_000 + 3600_000);
    expect(pipeline.settledUntil(keyOf('CA1'), call)).toBe(1_000_000 + 3600_000);
    expect(pipeline.settledUntil(keyOf('CA1'), { ...call })).toBeUndefined();
    clock += 3600_000;
    expect(pipeline.expiresAt(keyOf('CA1'))).toBeUndefined();
  });

  it('coalescing below memory: concurrent cold lookups share one fetch, whose scope is the client\'s cancellation', async () => {
    const { pipeline, asked } = pipelineOf();
    const operations = [new FetchScope(), new FetchScope()];
    const lookups = operations.map((scope) => pipeline.fetchCall(keyOf('CA1'), scope));
    await tick();
    expect(asked).toHaveLength(1);
    expect(pipeline.stats().coalescing).toEqual({ inFlight: 1, waiters: 2 });
    // The client watches the shared fetch's scope, not an operation's: it ends with the last waiter.
    operations[0]?.cancel();
    expect(asked[0]?.cancellation?.cancelled).toBe(false);
    operations[1]?.cancel();
    expect(asked[0]?.cancellation?.cancelled).toBe(true);
    for (const lookup of lookups) await expect(lookup).rejects.toBeInstanceOf(CancelledError);
  });

  it('logging below coalescing: a failure shared by several waiters is one line', async () => {
    const { pipeline, asked, parsed } = pipelineOf();
    const lookups = [1, 2, 3].map(() => pipeline.fetchCall(keyOf('CA1'), new FetchScope()));
    const failure = new UpstreamError('Talkstack failed to answer (HTTP 503).');
    asked[0]?.reject(failure);
    for (const lookup of lookups) await expect(lookup).rejects.toBe(failure);
    expect(parsed()).toHaveLength(1);
    // Failures are never kept: the next lookup fetches again.
    void pipeline.fetchCall(keyOf('CA1'), UNENDING_SCOPE).catch(() => undefined);
    await tick();
    expect(asked).toHaveLength(2);
  });

  it('with a Redis tier: asked after memory and before any fetch starts, and told what the fetch answered', async () => {
    const gets: Array<{ key: string; resolve(value: string | null): void }> = [];
    const sets: Array<[string, string, string, number]> = [];
    // Enough of a connection for the tier (redisCallTier.ts): state, key fingerprints, the bounded GET and SET.
    const redis = {
      state: 'up',
      keyFingerprint: () => 'fp',
      valueMacOf: () => undefined,
      commands: {
        talkstackBoundedGet: (key: string) => new Promise<string | null>((resolve) => gets.push({ key, resolve })),
        set: async (key: string, value: string, mode: string, ttl: number) => {
          sets.push([key, value, mode, ttl]);
          return 'OK';
        },
      },
    } as unknown as RedisConnection;
    const { pipeline, asked } = pipelineOf({ redis, now: () => 1_000_000 });

    const first = pipeline.fetchCall(keyOf('CA1'), UNENDING_SCOPE);
    await tick();
    expect(gets.map((get) => get.key)).toEqual(['talkstack:call:fp:p:CA1']);
    // Nothing below Redis has started while its read is pending.
    expect(asked).toHaveLength(0);
    expect(pipeline.stats().coalescing.inFlight).toBe(0);
    gets[0]?.resolve(null);
    await tick();
    expect(asked).toHaveLength(1);
    expect(pipeline.stats().coalescing.inFlight).toBe(1);
    asked[0]?.resolve(BUSY);
    const call = await first;
    expect(sets).toHaveLength(1);
    expect(sets[0]?.[0]).toBe('talkstack:call:fp:p:CA1');
    expect(JSON.parse(sets[0]?.[1] ?? '')).toEqual({ expiresAt: 1_000_000 + 3600_000, call });
    expect(sets[0]?.slice(2)).toEqual(['PX', 3600_000]);
    expect(pipeline.stats().redis).toEqual({ hit: 0, miss: 1, error: 0, writeError: 0 });

    // A memory hit asks Redis nothing.
    expect(await pipeline.fetchCall(keyOf('CA1'), UNENDING_SCOPE)).toBe(call);
    expect(gets).toHaveLength(1);
  });
});

describe('without cache layers (CACHE_TTL_SECONDS 0)', () => {
  it('every lookup of even a final call goes upstream, and the cache stats are zeros', async () => {
    const redis = { state: 'up' } as unknown as RedisConnection;
    const { pipeline, asked } = pipelineOf({ cacheTtlSeconds: 0, redis });
    for (let i = 0; i < 2; i++) {
      const lookup = pipeline.fetchCall(keyOf('CA1'), UNENDING_SCOPE);
      await tick();
      asked[i]?.resolve(BUSY);
      const call = (await lookup) as Call;
      expect(pipeline.settledUntil(keyOf('CA1'), call)).toBeUndefined();
    }
    expect(asked).toHaveLength(2);
    expect(pipeline.expiresAt(keyOf('CA1'))).toBeUndefined();
    expect(pipeline.stats()).toEqual({
      memory: { hit: 0, miss: 0, size: 0, bytes: 0 },
      redis: { hit: 0, miss: 0, error: 0, writeError: 0 },
      stale: { answered: 0 },
      coalescing: { inFlight: 0, waiters: 0 },
    });
  });
});

describe('upstream logging', () => {
  function logged(failure: unknown, key = keyOf('CA1')) {
    const { logger, lines, parsed } = capturedLogger();
    const fingerprint = createLogFingerprint();
    const fetchCall = upstreamLogging({ logger, fingerprint, upstreamHost: 'talkstack.test:8443' })(() => Promise.reject(failure));
    return { result: fetchCall(key, UNENDING_SCOPE), lines, parsed, fingerprint };
  }

  it.each<[string, CallDataError]>([
    ['RATE_LIMITED', new RateLimitedError('429', 1000, false)],
    ['UPSTREAM_ERROR', new UpstreamError('unreachable', 'ECONNREFUSED')],
    ['UPSTREAM_TIMEOUT', new UpstreamTimeoutError('slow')],
    ['UPSTREAM_BAD_RESPONSE', new UpstreamBadResponseError('not a call')],
  ])('logs %s: one warn line naming code, cause, upstream host and call, passing the same error on', async (code, failure) => {
    const { result, parsed, fingerprint } = logged(failure);
    await expect(result).rejects.toBe(failure);
    expect(parsed()).toEqual([
      expect.objectContaining({
        level: 40,
        msg: failure.message,
        code,
        upstream: 'talkstack.test:8443',
        sid: 'CA1',
        projectId: 'p',
        credential: fingerprint(credential),
        ...(failure.detail ? { cause: failure.detail } : {}),
      }),
    ]);
  });

  it.each<[string, unknown]>([
    ['BAD_USER_INPUT', new BadUserInputError('400')],
    ['UNAUTHENTICATED', new UnauthenticatedError('401')],
    ['FORBIDDEN', new ForbiddenError('403')],
    ['NOT_FOUND', new NotFoundError('unknown')],
    ['a cancellation', new CancelledError()],
    ['an error that is not a domain error', new TypeError('bug')],
  ])('does not log %s (the caller\'s own mistake, or not an upstream failure), but passes it on', async (_label, failure) => {
    const { result, lines } = logged(failure);
    await expect(result).rejects.toBe(failure);
    expect(lines).toHaveLength(0);
  });

  it('names the credential by its fingerprint only, never by a header value or its digest', async () => {
    const { result, lines, fingerprint } = logged(new UpstreamError('down'));
    await result.catch(() => undefined);
    const [line = ''] = lines;
    expect(line).toContain(fingerprint(credential));
    for (const secret of [API_KEY, 'token-do-not-log-me', credential.id, credential.tenantId]) expect(line).not.toContain(secret);
  });

  it('clips a long sid and project id chosen by a client', async () => {
    const sid = `CA${'x'.repeat(500)}`;
    const projectId = `p${'y'.repeat(500)}`;
    const { result, lines, parsed } = logged(new UpstreamError('down'), keyOf(sid, projectId));
    await result.catch(() => undefined);
    expect(parsed()[0]).toMatchObject({ sid: clipForLog(sid), projectId: clipForLog(projectId) });
    expect(lines[0]).not.toContain(sid);
    expect(lines[0]?.length).toBeLessThan(1000);
  });

  it('lets an answer through untouched, and logs nothing', async () => {
    const { logger, lines } = capturedLogger();
    const call = { sid: 'CA1' } as Call;
    const fetchCall = upstreamLogging({ logger, fingerprint: createLogFingerprint(), upstreamHost: 'h' })(async () => call);
    expect(await fetchCall(keyOf('CA1'), UNENDING_SCOPE)).toBe(call);
    expect(lines).toHaveLength(0);
  });
});

/**
 * The cache of final calls shared by instances through Redis (fetch/redisCallTier.ts,
 * redis/redisConnection.ts), against a real redis-server (test/support/redisServer.ts) and two
 * server instances on one simulator, counted with the simulator's own request counters:
 * instances share settled final calls, credentials never do, keys carry no credential,
 * unfinished calls never reach Redis and entries expire by the cache policy (60 s without
 * recordings) there too; a corrupt entry is a miss, and so is one the mapping could never
 * produce (a forged phone number, date, recording, negative duration, data deeper than the cut,
 * a value over the size bound), fetched upstream and rewritten; an outage (Redis hanging, then
 * killed) costs a query at most about the command timeout while /readiness reports it, and
 * sharing resumes once Redis is back. Without Redis, each instance pays for every call.
 * (The tier between memory and coalescing, on its own connection: redisCallTier.test.ts; what a
 * call read back must look like: test/unit/calls/callShape.test.ts.)
 *
 * Without redis-server these are skipped and the run says so (redisServer.ts).
 */
import { createHash } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { Call } from '../../../src/calls/call.js';
import { sharedCallBytesLimit } from '../../../src/calls/callShape.js';
import { createLogger } from '../../../src/logging/logger.js';
import { decodeSharedCall } from '../../../src/fetch/redisCallTier.js';
import { createServer, type CallsServer } from '../../../src/app.js';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { makeCredential, type Credential } from '../../../src/identity/credential.js';
import { CallsDocument } from '../../generated/operations.js';
import { requireRedis, skipRedis, startRedis, type RedisServer } from '../../support/redisServer.js';
import { startStack, type GraphQLResponse, type Stack } from '../../support/stack.js';
import { mappedCall } from '../../support/callFixtures.js';

const KEY_SECRET = 'redis-cache-test-secret-0123456789';
const MAX_SHARED_CALL_BYTES = sharedCallBytesLimit(262_144);
const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef.mp3';
const PAGE = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status durationSeconds recordings { url } } }';
const API_KEY_HEADERS = { 'x-api-key': DEMO_API_KEY };
const BEARER_HEADERS = { authorization: `Bearer ${DEMO_BEARER_TOKEN}` };
const WAIT_MS = 5000;
/** Latency bounds allow this much scheduling noise (the machine runs other suites meanwhile). */
const NOISE_MS = 500;

function credentialOf(headers: Record<string, string>): Credential {
  const credential = makeCredential(headers.authorization, headers['x-api-key']);
  if (!credential) throw new Error('no credential');
  return credential;
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Instance {
  server: CallsServer;
  url: string;
  logs: string[];
  gql<TData = Record<string, unknown>>(query: string | typeof CallsDocument, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<TData>>;
  readiness(): Promise<{ status: number; body: { status: string; redis: string } }>;
}

function instanceOf(server: CallsServer, url: string, logs: string[], gql: Stack['gql']): Instance {
  return {
    server,
    url,
    logs,
    gql: gql as Instance['gql'],
    async readiness() {
      const response = await fetch(`${url}/readiness`);
      return { status: response.status, body: (await response.json()) as { status: string; redis: string } };
    },
  };
}

/** A second server on the stack's simulator, with the same settings (same Redis and secret). */
async function secondInstance(stack: Stack): Promise<{ instance: Instance; close: () => Promise<void> }> {
  const logs: string[] = [];
  const server = createServer(stack.server.config, { logger: createLogger('debug', { write: (line: string) => void logs.push(line) }) });
  const url = await server.listen(0, '127.0.0.1');
  const gql: Stack['gql'] = async (query, variables, headers) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(headers ?? API_KEY_HEADERS) },
      body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] } as never;
  };
  return { instance: instanceOf(server, url, logs, gql), close: () => server.close() };
}

function finals(prefix: string, count: number, stack: Stack, body: Record<string, unknown> = { status: 'completed', seconds: 42, cost: 0.02, recordingUrls: [RECORDING] }): string[] {
  const sids = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  for (const sid of sids) stack.sim.setCall(DEMO_PROJECT_ID, sid, body);
  return sids;
}

const callKeys = (client: Redis) => client.keys('talkstack:call:*');

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

describe('without REDIS_URL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('/readiness reports redis off, and lookups never ask Redis', async () => {
    const response = await fetch(`${stack.url}/readiness`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', redis: 'off' });
    const sids = finals('CAsolo', 3, stack);
    expect((await stack.gql(PAGE, { sids })).body.errors).toBeUndefined();
    expect(stack.server.stats().fetch.redis).toEqual({ hit: 0, miss: 0, error: 0, writeError: 0 });
  });

  it('two instances without Redis each pay for every call: 4 alternating refreshes of 100 final calls cost 200', async () => {
    const { instance: other, close } = await secondInstance(stack);
    try {
      const sids = finals('CAapart', 100, stack);
      stack.sim.resetStats();
      const here = instanceOf(stack.server, stack.url, stack.logs, stack.gql);
      for (let refresh = 0; refresh < 4; refresh++) expect((await (refresh % 2 === 0 ? here : other).gql(PAGE, { sids })).body.errors).toBeUndefined();
      expect(stack.sim.stats.requests).toBe(200);
      process.stderr.write(`[figures] two instances, no Redis: 4 alternating refreshes x 100 final calls -> ${stack.sim.stats.requests} upstream requests\n`);
    } finally {
      await close();
    }
  });
});

describe.skipIf(skipRedis)('with Redis: two instances', () => {
  let redisServer: RedisServer;
  let client: Redis;
  let stack: Stack;
  let a: Instance;
  let b: Instance;
  let closeB: () => Promise<void>;

  beforeAll(async () => {
    requireRedis();
    redisServer = await startRedis();
    client = redisServer.client();
    stack = await startStack({ config: { redisUrl: redisServer.url, redisKeySecret: KEY_SECRET } });
    a = instanceOf(stack.server, stack.url, stack.logs, stack.gql);
    ({ instance: b, close: closeB } = await secondInstance(stack));
    await eventually(() => a.server.redis?.state === 'up' && b.server.redis?.state === 'up', 'both instances reach Redis');
  });
  afterAll(async () => {
    await closeB?.();
    await stack?.close();
    await redisServer?.stop();
  });

  it('/readiness reports redis up', async () => {
    for (const instance of [a, b]) expect(await instance.readiness()).toEqual({ status: 200, body: { status: 'ready', redis: 'up' } });
  });

  it('share entries: 10 refreshes of 100 final calls alternating between them cost 100 upstream requests in all', async () => {
    const sids = finals('CAshared', 100, stack);
    stack.sim.resetStats();
    expect((await a.gql(PAGE, { sids })).body.errors).toBeUndefined();
    // The writes are not awaited by the query: let them land before the other instance asks.
    await eventually(async () => (await callKeys(client)).filter((key) => key.includes(':CAshared')).length === 100, 'the 100 calls are in Redis');
    for (let refresh = 1; refresh < 10; refresh++) {
      const answer = await (refresh % 2 === 1 ? b : a).gql<{ calls: { sid: string; status: string }[] }>(PAGE, { sids });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.calls.map((c) => c.sid)).toEqual(sids);
    }
    expect(stack.sim.stats.requests).toBe(100);
    // B answered its first refresh from Redis, the rest from memory.
    expect(b.server.stats().fetch.redis.hit).toBeGreaterThanOrEqual(100);
    process.stderr.write(`[figures] two instances sharing Redis: 10 refreshes x 100 final calls alternating -> ${stack.sim.stats.requests} upstream requests\n`);
  });

  it('a call read from Redis answers exactly what upstream gave the other instance, and is held in memory until the Redis entry expires', async () => {
    const sid = 'CAroundtrip';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, {
      status: 'completed',
      seconds: 93,
      cost: 0.125,
      from: '+14155550100',
      to: '+14155550199',
      phoneNumber: '+1 (415) 555-0100',
      date: 'Tue, 30 Jan 2024 13:39:53 +0000',
      recordingUrls: [RECORDING, 'https://example.com/r/2.wav'],
      partnerId: 'P1',
      shiftId: 'S1',
      assignmentId: 'A1',
      data: { employeeGoToWork: 'yes', reasonOfCancellation: ' none ', newDate: '2024-02-01', note: 'ünïcødé "quoted" \u2028' },
    });
    const fromUpstream = await a.gql(CallsDocument, { sids: [sid] });
    expect(fromUpstream.body.errors).toBeUndefined();
    await eventually(async () => (await client.exists((await callKeys(client)).find((key) => key.endsWith(`:${sid}`)) ?? 'none')) === 1, 'the call is in Redis');
    const fromRedis = await b.gql(CallsDocument, { sids: [sid] });
    expect(fromRedis.body).toEqual(fromUpstream.body);
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);

    const key = (await callKeys(client)).find((k) => k.endsWith(`:${sid}`)) as string;
    expect(decodeSharedCall((await client.get(key)) as string, { projectId: DEMO_PROJECT_ID, sid }, MAX_SHARED_CALL_BYTES)).toBeDefined();
  });

  it('two credentials never share: the same call under two keys goes upstream for each, under different Redis keys that carry no credential', async () => {
    const sid = 'CAtwocreds';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy' });
    expect((await a.gql(PAGE, { sids: [sid] }, API_KEY_HEADERS)).body.errors).toBeUndefined();
    await eventually(async () => (await callKeys(client)).some((key) => key.endsWith(`:${sid}`)), 'the first credential wrote the call');
    expect((await b.gql(PAGE, { sids: [sid] }, BEARER_HEADERS)).body.errors).toBeUndefined();
    expect(stack.sim.stats.bySid.get(sid)).toBe(2);
    await eventually(async () => (await callKeys(client)).filter((key) => key.endsWith(`:${sid}`)).length === 2, 'the second credential wrote it too');
    // Each instance now answers its credential from memory, and B the first credential from Redis.
    expect((await b.gql(PAGE, { sids: [sid] }, API_KEY_HEADERS)).body.errors).toBeUndefined();
    expect((await a.gql(PAGE, { sids: [sid] }, BEARER_HEADERS)).body.errors).toBeUndefined();
    expect(stack.sim.stats.bySid.get(sid)).toBe(2);

    const keys = await callKeys(client);
    const forSid = keys.filter((key) => key.endsWith(`:${sid}`));
    expect(new Set(forSid).size).toBe(2);
    const apiKey = credentialOf(API_KEY_HEADERS);
    const bearer = credentialOf(BEARER_HEADERS);
    expect(forSid.sort()).toEqual(
      [a.server.redis?.keyFingerprint(apiKey), a.server.redis?.keyFingerprint(bearer)].map((fingerprint) => `talkstack:call:${fingerprint}:${DEMO_PROJECT_ID}:${sid}`).sort(),
    );
    const secrets = [DEMO_API_KEY, DEMO_BEARER_TOKEN];
    for (const credential of [apiKey, bearer]) {
      secrets.push(credential.id, credential.tenantId);
      // what keys would carry without REDIS_KEY_SECRET: the secret really is used
      secrets.push(createHash('sha256').update(credential.id).digest('base64url').slice(0, 32));
    }
    for (const key of keys) for (const secret of secrets) expect(key).not.toContain(secret);
  });

  it('unfinished calls reach Redis for stale answers only; a COMPLETED call without recordings answers fresh at most 60 s, one with recordings CACHE_TTL_SECONDS', async () => {
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAredis_live', { status: 'in-progress' });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAredis_unsettled', { status: 'completed' });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAredis_norec', { status: 'completed', seconds: 5, cost: 0.01 });
    stack.sim.setCall(DEMO_PROJECT_ID, 'CAredis_rec', { status: 'completed', seconds: 5, cost: 0.01, recordingUrls: [RECORDING] });
    const sids = ['CAredis_live', 'CAredis_unsettled', 'CAredis_norec', 'CAredis_rec'];
    for (const instance of [a, b, a]) expect((await instance.gql(PAGE, { sids })).body.errors).toBeUndefined();
    // Only the settled ones were shared; the others went upstream every time.
    expect(sids.map((sid) => stack.sim.stats.bySid.get(sid))).toEqual([3, 3, 1, 1]);
    const keys = await callKeys(client);
    const keyOf = (sid: string) => keys.find((key) => key.endsWith(`:${sid}`)) as string;
    const freshUntil = async (sid: string) =>
      decodeSharedCall((await client.get(keyOf(sid))) as string, { projectId: DEMO_PROJECT_ID, sid }, MAX_SHARED_CALL_BYTES)?.expiresAt;
    const staleMs = stack.server.config.staleIfErrorSeconds * 1000;
    // Unfinished: never fresh, kept for stale answers until fetchedAt + STALE_IF_ERROR_SECONDS.
    for (const sid of ['CAredis_live', 'CAredis_unsettled']) {
      expect(await freshUntil(sid)).toBe(0);
      expect(await client.pttl(keyOf(sid))).toBeLessThanOrEqual(staleMs);
    }
    const unrecorded = ((await freshUntil('CAredis_norec')) ?? 0) - Date.now();
    expect(unrecorded).toBeGreaterThan(50_000);
    expect(unrecorded).toBeLessThanOrEqual(60_000);
    expect(await client.pttl(keyOf('CAredis_norec'))).toBeLessThanOrEqual(staleMs);
    const recorded = await client.pttl(keyOf('CAredis_rec'));
    expect(recorded).toBeGreaterThan(3590_000);
    expect(recorded).toBeLessThanOrEqual(stack.server.config.cacheTtlSeconds * 1000);
  });

  it('a call one instance fetched answers stale on the other when Talkstack fails there', async () => {
    const sid = 'CAredis_stale_live';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress' });
    expect((await a.gql(PAGE, { sids: [sid] })).body.errors).toBeUndefined();
    await eventually(async () => (await callKeys(client)).some((name) => name.endsWith(`:${sid}`)), 'written');
    const fault = stack.sim.injectFault(sid, { type: 'status', status: 503 });
    try {
      const answer = await b.gql<{ calls: { sid: string; status: string }[] }>(PAGE, { sids: [sid] });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.calls).toEqual([{ sid, status: 'IN_PROGRESS', durationSeconds: null, recordings: [] }]);
      expect((answer.body as { extensions?: unknown }).extensions).toEqual({ stale: [{ path: ['calls', 0], code: 'UPSTREAM_ERROR' }] });
    } finally {
      fault.remove();
    }
  });

  it('with REDIS_KEY_SECRET, a value rewritten in Redis (its MAC kept) is not served: fetched upstream and rewritten', async () => {
    const [sid] = finals('CAtampered', 1, stack);
    expect((await a.gql(PAGE, { sids: [sid] })).body.errors).toBeUndefined();
    const key = (await callKeys(client)).find((name) => name.endsWith(`:${sid}`)) as string;
    const stored = (await client.get(key)) as string;
    expect(stored).toMatch(/^m1:[A-Za-z0-9_-]{32}:\{/);
    // Same MAC, another cost: what someone with write access to Redis could try.
    await client.set(key, stored.replace('"cost":0.02', '"cost":99999'), 'PX', 600_000);
    const errorsBefore = b.server.stats().fetch.redis.error;
    const answer = await b.gql<{ calls: { durationSeconds: number }[] }>(`query Cost($sids: [ID!]!) { calls(sids: $sids) { cost } }`, { sids: [sid] });
    expect(answer.body.data?.calls).toEqual([{ cost: 0.02 }]);
    expect(b.server.stats().fetch.redis.error - errorsBefore).toBe(1);
    expect(stack.sim.stats.bySid.get(sid as string)).toBe(2);
    await eventually(async () => ((await client.get(key)) as string).includes('"cost":0.02'), 'rewritten');
    // A forged MAC of multi-byte characters (the right length in characters, not in bytes)
    // is a miss like any other, never a failed row.
    const [forged] = finals('CAforgedMac', 1, stack);
    const fingerprint = a.server.redis?.keyFingerprint(credentialOf(API_KEY_HEADERS));
    await client.set(`talkstack:call:${fingerprint}:${DEMO_PROJECT_ID}:${forged}`, `m1:${'é'.repeat(32)}:{}`, 'PX', 600_000);
    const again = await b.gql<{ calls: { cost: number }[] }>(`query Cost($sids: [ID!]!) { calls(sids: $sids) { cost } }`, { sids: [forged] });
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data?.calls).toEqual([{ cost: 0.02 }]);
    expect(stack.sim.stats.bySid.get(forged as string)).toBe(1);
  });

  it('a corrupt, foreign or unfinished Redis value is a miss, never an error: the call is fetched upstream and the entry rewritten', async () => {
    const fingerprint = a.server.redis?.keyFingerprint(credentialOf(API_KEY_HEADERS));
    const expiresAt = Date.now() + 600_000;
    const good = (sid: string): Call => mappedCall({ sid, projectId: DEMO_PROJECT_ID });
    const corrupt: Record<string, (sid: string) => string> = {
      notJson: () => '{"expiresAt": 1, "call": ',
      aNumber: () => '42',
      noExpiry: (sid) => JSON.stringify({ call: good(sid) }),
      anotherSid: (sid) => JSON.stringify({ expiresAt, call: good(`${sid}x`) }),
      unfinished: (sid) => JSON.stringify({ expiresAt, call: { ...good(sid), status: 'RINGING', upstreamStatus: 'ringing', isFinal: false } }),
      wrongType: (sid) => JSON.stringify({ expiresAt, call: { ...good(sid), durationSeconds: '12' } }),
      badRecording: (sid) => JSON.stringify({ expiresAt, call: { ...good(sid), recordings: [{ url: 1 }] } }),
      dataNotObject: (sid) => JSON.stringify({ expiresAt, call: { ...good(sid), data: [] } }),
    };
    const errorsBefore = b.server.stats().fetch.redis.error;
    const sids = Object.keys(corrupt).map((name) => `CAcorrupt_${name}`);
    for (const [name, value] of Object.entries(corrupt)) {
      const sid = `CAcorrupt_${name}`;
      stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy' });
      await client.set(`talkstack:call:${fingerprint}:${DEMO_PROJECT_ID}:${sid}`, value(sid), 'PX', 600_000);
    }
    const answer = await b.gql<{ calls: { sid: string; status: string }[] }>(PAGE, { sids });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.calls).toEqual(sids.map((sid) => ({ sid, status: 'BUSY', durationSeconds: null, recordings: [] })));
    expect(sids.map((sid) => stack.sim.stats.bySid.get(sid))).toEqual(sids.map(() => 1));
    expect(b.server.stats().fetch.redis.error - errorsBefore).toBe(sids.length);
    // B wrote what it fetched over the corrupt entries: A now gets them from Redis.
    await eventually(async () => {
      const values = await Promise.all(sids.map((sid) => client.get(`talkstack:call:${fingerprint}:${DEMO_PROJECT_ID}:${sid}`)));
      return values.every((text, i) => text !== null && decodeSharedCall(text, { projectId: DEMO_PROJECT_ID, sid: sids[i] as string }, MAX_SHARED_CALL_BYTES) !== undefined);
    }, 'the entries are rewritten');
    expect((await a.gql(PAGE, { sids })).body.errors).toBeUndefined();
    expect(sids.map((sid) => stack.sim.stats.bySid.get(sid))).toEqual(sids.map(() => 1));
  });

  it('a value the mapping could never produce is a miss: fetched upstream, answered right, and rewritten', async () => {
    const fingerprint = a.server.redis?.keyFingerprint(credentialOf(API_KEY_HEADERS));
    const expiresAt = Date.now() + 600_000;
    const DETAIL = 'query Detail($sids: [ID!]!) { calls(sids: $sids) { sid status isFinal from to phoneNumber date durationSeconds cost recordings { url sid format } shift { partnerId } data } }';
    const body = { status: 'completed', seconds: 7, cost: 0.5, from: '+14155550132', date: 'Tue, 30 Jan 2024 13:39:53 +0000', recordingUrls: [RECORDING], data: { note: 'real' } };
    const real = (sid: string): Call => ({
      sid,
      projectId: DEMO_PROJECT_ID,
      status: 'COMPLETED',
      upstreamStatus: 'completed',
      isFinal: true,
      from: '+14155550132',
      to: null,
      phoneNumber: null,
      date: '2024-01-30T13:39:53.000Z',
      durationSeconds: 7,
      cost: 0.5,
      recordings: [{ url: RECORDING, sid: 'RE0123456789abcdef0123456789abcdef', format: 'MP3' }],
      shift: null,
      data: { note: 'real' },
      fetchedAt: new Date().toISOString(),
    });
    const forged: Record<string, (sid: string) => Partial<Call> | string> = {
      notAPhone: () => ({ from: 'not a phone' }),
      formattedPhone: () => ({ to: '+1 415 555 0132' }),
      yesterday: () => ({ date: 'yesterday' }),
      fetchedWhen: () => ({ fetchedAt: 'a while ago' }),
      fetchedNotAnInstant: () => ({ fetchedAt: '2024-02-30T00:00:00.000Z' }),
      zonedDate: () => ({ date: '2024-01-30T14:39:53+01:00' }),
      jsRecording: () => ({ recordings: [{ url: 'javascript:alert(1)', sid: null, format: 'MP3' }] }),
      relativeRecording: () => ({ recordings: [{ url: '/a.mp3', sid: null, format: 'MP3' }] }),
      recordingFormat: () => ({ recordings: [{ url: RECORDING, sid: 'RE0123456789abcdef0123456789abcdef', format: 'WAV' }] }),
      recordingSid: () => ({ recordings: [{ url: RECORDING, sid: 'REforged', format: 'MP3' }] }),
      negativeDuration: () => ({ durationSeconds: -5.5 }),
      fractionalDuration: () => ({ durationSeconds: 5.5 }),
      negativeCost: () => ({ cost: -1 }),
      statusMismatch: () => ({ status: 'BUSY' }),
      finalMismatch: () => ({ status: 'IN_PROGRESS', upstreamStatus: 'in-progress', isFinal: true }),
      deepData: () => ({ data: JSON.parse('{"a":'.repeat(60) + '1' + '}'.repeat(60)) as Record<string, unknown> }),
      blankShift: () => ({ shift: { partnerId: ' ', shiftId: null, assignmentId: null, employeeGoesToWork: null, cancellationReason: null, newDate: null } }),
      // Over MAX_SHARED_CALL_BYTES: refused before it leaves Redis.
      huge: () => ({ data: { big: 'z'.repeat(MAX_SHARED_CALL_BYTES + 1) } }),
    };
    const errorsBefore = b.server.stats().fetch.redis.error;
    const sids = Object.keys(forged).map((name) => `CAforged_${name}`);
    for (const [name, fields] of Object.entries(forged)) {
      const sid = `CAforged_${name}`;
      stack.sim.setCall(DEMO_PROJECT_ID, sid, body);
      await client.set(`talkstack:call:${fingerprint}:${DEMO_PROJECT_ID}:${sid}`, JSON.stringify({ expiresAt, call: { ...real(sid), ...(fields(sid) as Partial<Call>) } }), 'PX', 600_000);
    }

    const { ms, value: answer } = await timed(() => b.gql<{ calls: Record<string, unknown>[] }>(DETAIL, { sids }));
    expect(answer.body.errors).toBeUndefined();
    const expected = (sid: string) => {
      const { upstreamStatus: _upstream, projectId: _project, fetchedAt: _fetchedAt, ...fields } = real(sid);
      return fields;
    };
    expect(answer.body.data?.calls).toEqual(sids.map(expected));
    expect(sids.map((sid) => stack.sim.stats.bySid.get(sid))).toEqual(sids.map(() => 1));
    expect(b.server.stats().fetch.redis.error - errorsBefore).toBe(sids.length);
    process.stderr.write(`[figures] ${sids.length} forged Redis values read by another instance: answered from upstream in ${ms.toFixed(0)} ms\n`);
    // Rewritten with what B fetched: A now answers them from Redis, the same.
    await eventually(async () => {
      const values = await Promise.all(sids.map((sid) => client.get(`talkstack:call:${fingerprint}:${DEMO_PROJECT_ID}:${sid}`)));
      return values.every((text, i) => text !== null && decodeSharedCall(text, { projectId: DEMO_PROJECT_ID, sid: sids[i] as string }, MAX_SHARED_CALL_BYTES) !== undefined);
    }, 'the entries are rewritten');
    const fromA = await a.gql<{ calls: Record<string, unknown>[] }>(DETAIL, { sids });
    expect(fromA.body).toEqual(answer.body);
    expect(sids.map((sid) => stack.sim.stats.bySid.get(sid))).toEqual(sids.map(() => 1));
  });

  it('Redis hanging (SIGSTOP), then killed: queries succeed from upstream at about the command timeout extra at most, /readiness says down and stays 200; restarted, sharing resumes', async () => {
    // Pages of 50 calls neither memory nor Redis holds (enough to time a refresh).
    const PAGE_SIZE = 50;
    const page = (prefix: string) => finals(prefix, PAGE_SIZE, stack);
    const refresh = async (instance: Instance, sids: string[]) => {
      const { ms, value } = await timed(() => instance.gql(PAGE, { sids }));
      expect(value.body.errors).toBeUndefined();
      expect(value.body.data).toBeTruthy();
      return ms;
    };
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
    // Warm both instances' upstream connections, then refreshes Redis up.
    await refresh(a, page('CAwarmA'));
    await refresh(b, page('CAwarmB'));
    const ups: number[] = [];
    for (let i = 0; i < 3; i++) ups.push(await refresh(a, page(`CAup${i}_`)));
    const up = median(ups);
    const upShared = await refresh(b, finals('CAup0_', PAGE_SIZE, stack));

    // Hanging: the connection stays open, nothing answers; the first lookups wait for the
    // command timeout, then Redis is left alone for a moment.
    const timeout = a.server.redis?.commandTimeoutMs ?? 0;
    redisServer.pause();
    let hanging: number;
    let hangingAgain: number;
    try {
      const before = stack.sim.stats.requests;
      hanging = await refresh(a, page('CAhang'));
      hangingAgain = await refresh(a, page('CAhangAgain'));
      expect(stack.sim.stats.requests - before).toBe(2 * PAGE_SIZE);
    } finally {
      redisServer.resume();
    }
    expect(hanging).toBeGreaterThanOrEqual(timeout * 0.9);
    expect(hanging).toBeLessThan(up + timeout + NOISE_MS);
    expect(hangingAgain).toBeLessThan(up + timeout + NOISE_MS);

    // Killed: each instance says so once, /readiness still 200, lookups skip Redis at once.
    await redisServer.kill();
    await eventually(() => a.server.redis?.state === 'down' && b.server.redis?.state === 'down', 'both instances see Redis down');
    for (const instance of [a, b]) expect(await instance.readiness()).toEqual({ status: 200, body: { status: 'ready', redis: 'down' } });
    const before = stack.sim.stats.requests;
    const downs: number[] = [];
    for (let i = 0; i < 3; i++) downs.push(await refresh(a, page(`CAdown${i}_`)));
    const down = median(downs);
    const downOther = await refresh(b, finals('CAdown0_', PAGE_SIZE, stack));
    expect(stack.sim.stats.requests - before).toBe(4 * PAGE_SIZE);
    expect(down).toBeLessThan(up + timeout + NOISE_MS);
    // Memory still answers what it holds.
    await refresh(b, finals('CAup0_', PAGE_SIZE, stack));
    expect(stack.sim.stats.requests - before).toBe(4 * PAGE_SIZE);

    await redisServer.restart();
    await eventually(() => a.server.redis?.state === 'up' && b.server.redis?.state === 'up', 'both instances reconnect');
    for (const instance of [a, b]) expect(await instance.readiness()).toEqual({ status: 200, body: { status: 'ready', redis: 'up' } });
    // A call cached by A after the restart is a hit on B (A's writes resume once its pause is over).
    let sid = '';
    for (let attempt = 0; ; attempt++) {
      sid = `CAresumed${attempt}`;
      stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy' });
      expect((await a.gql(PAGE, { sids: [sid] })).body.errors).toBeUndefined();
      const written = await eventually(async () => (await client.exists(`talkstack:call:${a.server.redis?.keyFingerprint(credentialOf(API_KEY_HEADERS))}:${DEMO_PROJECT_ID}:${sid}`)) === 1, 'written', 200).then(
        () => true,
        () => false,
      );
      if (written) break;
      if (attempt >= 30) throw new Error('A never wrote to Redis after the restart');
    }
    expect((await b.gql(PAGE, { sids: [sid] })).body.errors).toBeUndefined();
    expect(stack.sim.stats.bySid.get(sid)).toBe(1);

    // One outage line and one recovery line per instance, whatever the number of failed commands.
    for (const instance of [a, b]) {
      const lines = instance.logs.map((line) => JSON.parse(line) as { msg: string });
      expect(lines.filter((line) => line.msg.startsWith('Redis unreachable')).length).toBe(1);
      expect(lines.filter((line) => line.msg.startsWith('Redis reachable again')).length).toBe(1);
    }
    process.stderr.write(
      `[figures] refresh of ${PAGE_SIZE} final calls missing from memory (ms): Redis up ${ups.map((ms) => ms.toFixed(0)).join('/')} (the same page from Redis on the other instance: ${upShared.toFixed(0)}), ` +
        `Redis hanging ${hanging.toFixed(0)} then ${hangingAgain.toFixed(0)}, Redis down ${downs.map((ms) => ms.toFixed(0)).join('/')} (other instance ${downOther.toFixed(0)}); command timeout ${timeout} ms\n`,
    );
  });
});

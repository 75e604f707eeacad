/**
 * The simulator misbehaving like a real upstream (simulator/rateLimit.ts, outage.ts, admin.ts):
 * a per-credential token bucket answering 429 with a whole-second Retry-After (and RateLimit-*
 * headers when asked), timed by an injected clock; an outage answering one 5xx to every call or
 * refusing connections and coming back on the same port; a hang switch; and `POST /__admin`,
 * which switches them at run time only when enabled and only for loopback peers.
 */
import { request as httpRequest } from 'node:http';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from '../../../src/simulator/rateLimit.js';
import { ANY_SID, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID, startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { KEY, post, SID } from '../../support/simulatorHttp.js';

const CALL = { sid: SID, projectId: DEMO_PROJECT_ID };
const BEARER = { authorization: `Bearer ${DEMO_BEARER_TOKEN}` };

/** A `POST /call` on a connection of its own: a pooled one may predate an outage's refusal. */
async function freshPost(sim: Simulator): Promise<number> {
  const agent = new Agent();
  try {
    const res = await request(`${sim.url}/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...KEY },
      body: JSON.stringify(CALL),
      dispatcher: agent,
    });
    await res.body.dump();
    return res.statusCode;
  } finally {
    await agent.close();
  }
}

function admin(sim: Simulator, body: unknown, method = 'POST'): Promise<Response> {
  return fetch(`${sim.url}/__admin`, { method, body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
}

function statuses(sim: Simulator): Array<number | string> {
  return sim.requestLog.map((entry) => entry.status);
}

describe('simulator rate limit', () => {
  let sim: Simulator;
  let clock = 1_000_000;
  beforeAll(async () => {
    sim = await startSimulator({ now: () => clock });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearFaults();
    sim.setRateLimit(undefined);
    sim.resetStats();
  });

  it('lets a burst through, then answers 429 with a whole-second Retry-After, and counts it', async () => {
    sim.setRateLimit({ perSecond: 0.4, burst: 3 });
    for (let i = 0; i < 3; i++) expect((await post(sim, CALL)).status).toBe(200);
    const limited = await post(sim, CALL);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'rate limited' });
    // One token at 0.4/s is 2.5 s away: rounded up.
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('ratelimit-limit')).toBeNull();
    clock += 1000;
    expect((await post(sim, CALL)).headers.get('retry-after')).toBe('2');
    expect(sim.stats.rateLimited).toBe(2);
    expect(statuses(sim)).toEqual([200, 200, 200, 429, 429]);
    sim.resetStats();
    expect(sim.stats.rateLimited).toBe(0);
  });

  it('says Retry-After: 1 when the next token is less than a second away', async () => {
    sim.setRateLimit({ perSecond: 10, burst: 1 });
    expect((await post(sim, CALL)).status).toBe(200);
    const limited = await post(sim, CALL);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
  });

  it('keeps a bucket per credential value: another key, or the Bearer token of the same account, is unaffected', async () => {
    sim.addAccount('other', { apiKeys: ['other-key'] });
    sim.setRateLimit({ perSecond: 1 });
    expect((await post(sim, CALL)).status).toBe(200);
    expect((await post(sim, CALL)).status).toBe(429);
    expect((await post(sim, CALL, BEARER)).status).toBe(200);
    expect((await post(sim, CALL, BEARER)).status).toBe(429);
    // Unknown call, but authenticated: the other account's own bucket answers, not the demo key's.
    expect((await post(sim, CALL, { 'x-api-key': 'other-key' })).status).toBe(404);
  });

  it('refills over (injected) time, never beyond the burst', async () => {
    sim.setRateLimit({ perSecond: 2, burst: 2 });
    expect((await post(sim, CALL)).status).toBe(200);
    expect((await post(sim, CALL)).status).toBe(200);
    expect((await post(sim, CALL)).status).toBe(429);
    clock += 500;
    expect((await post(sim, CALL)).status).toBe(200);
    expect((await post(sim, CALL)).status).toBe(429);
    clock += 60_000;
    expect((await post(sim, CALL)).status).toBe(200);
    expect((await post(sim, CALL)).status).toBe(200);
    expect((await post(sim, CALL)).status).toBe(429);
  });

  it('sends RateLimit-* headers on every answer of a limited key when asked', async () => {
    sim.setRateLimit({ perSecond: 2, burst: 4, headers: true });
    const first = await post(sim, CALL);
    expect(first.status).toBe(200);
    expect(Object.fromEntries([...first.headers].filter(([name]) => name.startsWith('ratelimit')))).toEqual({
      'ratelimit-limit': '4',
      'ratelimit-remaining': '3',
      // 1 token short of full at 2/s.
      'ratelimit-reset': '1',
      'ratelimit-policy': '2;w=1',
    });
    expect(first.headers.get('retry-after')).toBeNull();
    const missing = await post(sim, { sid: 'CAnope', projectId: DEMO_PROJECT_ID });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('ratelimit-remaining')).toBe('2');
    await post(sim, CALL);
    await post(sim, CALL);
    const limited = await post(sim, CALL);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('ratelimit-reset')).toBe('2');
    expect(limited.headers.get('retry-after')).toBe('1');
  });

  it('costs no token for a 401, and lets an injected fault win', async () => {
    sim.setRateLimit({ perSecond: 1 });
    for (let i = 0; i < 3; i++) expect((await post(sim, CALL, { 'x-api-key': 'late-key' })).status).toBe(401);
    sim.addAccount('late', { apiKeys: ['late-key'] });
    // The 401s left the bucket of late-key full.
    expect((await post(sim, CALL, { 'x-api-key': 'late-key' })).status).toBe(404);
    expect((await post(sim, CALL, { 'x-api-key': 'late-key' })).status).toBe(429);
    sim.injectFault(ANY_SID, { type: 'status', status: 502, times: 1 });
    expect((await post(sim, CALL, { 'x-api-key': 'late-key' })).status).toBe(502);
    expect(sim.stats.rateLimited).toBe(1);
  });

  it('refuses bad limits', () => {
    expect(() => sim.setRateLimit({ perSecond: 0 })).toThrow(RangeError);
    expect(() => sim.setRateLimit({ perSecond: 5, burst: 0.5 })).toThrow(RangeError);
    expect(() => sim.setRateLimit({ perSecond: 5, unknown: 1 } as never)).toThrow(/unknown field "unknown"/);
  });

  it('holds a bounded number of buckets, dropping full ones first, then the least recently used', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 1, burst: 2, headers: false }, () => now, 10);
    for (let i = 0; i < 10; i++) limiter.take(`key${i}`);
    expect(limiter.size).toBe(10);
    now += 1000; // every bucket is full again
    limiter.take('key0');
    limiter.take('new');
    // All full ones went: only key0 (just used) and the new one are left.
    expect(limiter.size).toBe(2);
    for (let i = 0; i < 8; i++) limiter.take(`busy${i}`);
    limiter.take('key0'); // key0 is now the most recently used
    expect(limiter.size).toBe(10);
    // No bucket is full now: the least recently used ('new') makes room.
    limiter.take('one-more');
    expect(limiter.size).toBe(10);
    // key0 kept its empty bucket; 'new' starts over with a full one.
    expect(limiter.take('key0').allowed).toBe(false);
    expect(limiter.take('new').allowed).toBe(true);
    expect(limiter.take('new').allowed).toBe(true);
    expect(limiter.size).toBeLessThanOrEqual(10);
  });
});

describe('simulator outage and hang', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    sim.setHang(false);
    await sim.setOutage('off');
    sim.resetStats();
  });

  it('answers every call with the outage status, before faults and auth, then serves again', async () => {
    sim.injectFault(ANY_SID, { type: 'status', status: 418, times: 1 });
    await sim.setOutage(503);
    expect(sim.misbehaviour.outage).toBe(503);
    const res = await post(sim, CALL, {});
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'service unavailable' });
    expect((await post(sim, 'not json')).status).toBe(503);
    await sim.setOutage('off');
    // The fault was not used up by the outage.
    expect((await post(sim, CALL)).status).toBe(418);
    expect((await post(sim, CALL)).status).toBe(200);
    expect(statuses(sim)).toEqual([503, 503, 418, 200]);
    expect(() => sim.setOutage(404)).toThrow(RangeError);
  });

  it('refuses connections, then listens again on the same port', async () => {
    const { port, url } = sim;
    await sim.setOutage('refuse');
    const error: unknown = await freshPost(sim).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    // Global fetch fails the same way once its pooled connection is gone.
    const fetchError: unknown = await post(sim, CALL).catch((e: unknown) => e);
    expect(fetchError).toBeInstanceOf(TypeError);
    await sim.setOutage('off');
    expect(sim.port).toBe(port);
    expect(sim.url).toBe(url);
    expect(await freshPost(sim)).toBe(200);
  });

  it('ends requests in flight when it starts refusing', async () => {
    sim.setHang(true);
    const hanging = post(sim, CALL).catch((e: unknown) => e);
    await vi.waitFor(() => expect(sim.stats.inFlight).toBe(1), { timeout: 2000, interval: 5 });
    await sim.setOutage('refuse');
    expect(await hanging).toBeInstanceOf(TypeError);
    await vi.waitFor(() => expect(sim.stats.inFlight).toBe(0), { timeout: 2000, interval: 5 });
  });

  it('hangs every call while on; turning it off answers new calls and leaves hanging ones hanging', async () => {
    sim.setHang(true);
    const timedOut: unknown = await post(sim, CALL, KEY, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
    expect((timedOut as DOMException).name).toBe('TimeoutError');
    await vi.waitFor(() => expect(sim.stats.inFlight).toBe(0), { timeout: 2000, interval: 5 });
    const abort = new AbortController();
    let settled = false;
    const stillHanging = post(sim, CALL, KEY, { signal: abort.signal }).finally(() => (settled = true)).catch(() => undefined);
    await vi.waitFor(() => expect(statuses(sim)).toEqual(['hang', 'hang']), { timeout: 2000, interval: 5 });
    sim.setHang(false);
    expect((await post(sim, CALL)).status).toBe(200);
    expect(settled).toBe(false);
    abort.abort();
    await stillHanging;
    expect(statuses(sim)).toEqual(['hang', 'hang', 200]);
    await vi.waitFor(() => expect(sim.stats.inFlight).toBe(0), { timeout: 2000, interval: 5 });
  });

  it('starts misbehaving when told to at start', async () => {
    const refusing = await startSimulator({ outage: 'refuse', hang: true, rateLimit: { perSecond: 5 } });
    try {
      expect(refusing.port).toBeGreaterThan(0);
      await expect(freshPost(refusing)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(refusing.misbehaviour).toEqual({ rateLimit: { perSecond: 5, burst: 5, headers: false }, outage: 'refuse', hang: true });
      refusing.setHang(false);
      await refusing.setOutage('off');
      expect(await freshPost(refusing)).toBe(200);
    } finally {
      await refusing.close();
    }
  });

  it('closes while refusing, and stays closed', async () => {
    const refusing = await startSimulator({ outage: 'refuse' });
    await refusing.close();
    await refusing.setOutage('off');
    await expect(freshPost(refusing)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('is off by default, as in demo mode', async () => {
    expect(sim.misbehaviour).toEqual({ rateLimit: null, outage: 'off', hang: false });
    expect((await admin(sim, { outage: 503 })).status).toBe(404);
  });
});

describe('simulator admin route', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ admin: true });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    sim.setRateLimit(undefined);
    sim.setHang(false);
    await sim.setOutage('off');
    sim.resetStats();
  });

  it('switches the rate limit, outage and hang, answering the resulting state', async () => {
    let res = await admin(sim, { rateLimit: { perSecond: 1 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ rateLimit: { perSecond: 1, burst: 1, headers: false }, outage: 'off', hang: false });
    expect((await post(sim, CALL)).status).toBe(200);
    expect((await post(sim, CALL)).status).toBe(429);
    expect(sim.stats.rateLimited).toBe(1);

    res = await admin(sim, { rateLimit: null, outage: 503, hang: true });
    expect(await res.json()).toEqual({ rateLimit: null, outage: 503, hang: true });
    // The outage answers before the hang would.
    expect((await post(sim, CALL)).status).toBe(503);

    res = await admin(sim, { outage: 'off', hang: false });
    expect(await res.json()).toEqual({ rateLimit: null, outage: 'off', hang: false });
    expect((await post(sim, CALL)).status).toBe(200);
    // Admin requests are not calls.
    expect(sim.stats.requests).toBe(4);
  });

  it('refuses bad input with a 400 that names the problem, changing nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['not json', /JSON/],
      [[], /object/],
      [{ outage: 404 }, /outage must be/],
      [{ outage: 'down' }, /outage must be/],
      [{ hang: 'yes' }, /hang must be true or false/],
      [{ rateLimit: { perSecond: 0 } }, /perSecond/],
      [{ rateLimit: 5 }, /rateLimit must be an object/],
      [{ rateLimit: { perSecond: 5, burts: 5 } }, /unknown field "burts"/],
      [{ hang: true, outage: 'sometimes' }, /outage must be/],
      [{ bogus: 1 }, /unknown field "bogus"/],
    ];
    for (const [body, message] of cases) {
      const res = await admin(sim, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    expect(sim.misbehaviour).toEqual({ rateLimit: null, outage: 'off', hang: false });
  });

  it('exists only as POST /__admin', async () => {
    expect((await admin(sim, undefined, 'GET')).status).toBe(404);
    expect((await admin(sim, {}, 'PUT')).status).toBe(404);
    expect((await admin(sim, {})).status).toBe(200);
  });

  // Linux routes all of 127.0.0.0/8 to loopback; other systems may not have 127.0.0.2 to bind.
  it.runIf(process.platform === 'linux')('answers 403 to a peer that is not 127.0.0.1 or ::1', async () => {
    // 127.0.0.2 is loopback too, but not an address the route accepts.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(`${sim.url}/__admin`, { method: 'POST', localAddress: '127.0.0.2', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ outage: 503 }));
    });
    expect(status).toBe(403);
    expect(sim.misbehaviour.outage).toBe('off');
  });

  it('can switch to refusing connections, after which only the programmatic API can switch back', async () => {
    const res = await admin(sim, { outage: 'refuse' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ rateLimit: null, outage: 'refuse', hang: false });
    await expect(freshPost(sim)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await sim.setOutage('off');
    expect((await admin(sim, { outage: 'off' })).status).toBe(200);
    expect(await freshPost(sim)).toBe(200);
  });

  it('needs a loopback host', async () => {
    await expect(startSimulator({ admin: true, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});

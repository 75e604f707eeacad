/**
 * The simulator's protocol over HTTP (simulator/simulator.ts, accounts.ts, lifecycle.ts), as the
 * Talkstack client sees it: `POST /call` with a credential (x-api-key or Bearer) answers the
 * call, 401, 400, 404 or 413; accounts keep the same project and sid apart; bodies are served as
 * stored; counters and the bounded request log; the demo's live calls move through their
 * statuses on an injected clock; close ends hanging requests. (Faults: faults.test.ts; the
 * synthetic project: synthetic.test.ts; rolling live calls: rollingLiveCalls.test.ts; the demo
 * data on its own: test/unit/simulator/demoData.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ANY_SID,
  DEMO_API_KEY,
  DEMO_BEARER_TOKEN,
  DEMO_CALLS,
  DEMO_LIVE_CALLS,
  DEMO_LIVE_SIDS,
  DEMO_PROJECT_ID,
  startSimulator,
  type Simulator,
} from '../../../src/simulator/index.js';
import { firstCompleted, KEY, post, SID } from '../../support/simulatorHttp.js';

describe('simulator protocol', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearFaults();
    sim.setLatency(0);
    sim.resetStats();
  });

  it('listens on a random port and exposes a URL without trailing slash', () => {
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
  });

  it('answers 401 without a known credential', async () => {
    const attempts: Array<Record<string, string>> = [{}, { 'x-api-key': 'nope' }, { authorization: 'Bearer nope' }, { authorization: `Basic ${DEMO_BEARER_TOKEN}` }];
    for (const headers of attempts) {
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
  });

  it('answers 200 with the call for x-api-key and for a Bearer token', async () => {
    for (const headers of [KEY, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` }]) {
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(firstCompleted.body);
    }
  });

  it('accepts either credential when both are sent and logs both', async () => {
    const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, { 'x-api-key': 'wrong', authorization: `Bearer ${DEMO_BEARER_TOKEN}` });
    expect(res.status).toBe(200);
    expect(sim.requestLog).toEqual([
      expect.objectContaining({ sid: SID, projectId: DEMO_PROJECT_ID, apiKey: 'wrong', authorization: `Bearer ${DEMO_BEARER_TOKEN}`, status: 200 }),
    ]);
  });

  it('answers 400 for a missing sid, a missing projectId or a body that is not a JSON object', async () => {
    const cases: Array<[unknown, string]> = [
      [{ projectId: DEMO_PROJECT_ID }, 'sid is required'],
      [{ sid: 42, projectId: DEMO_PROJECT_ID }, 'sid is required'],
      [{ sid: SID }, 'projectId is required'],
      ['not json', 'body must be JSON'],
      ['[]', 'body must be a JSON object'],
      ['"str"', 'body must be a JSON object'],
    ];
    for (const [body, error] of cases) {
      const res = await post(sim, body);
      expect(res.status, String(body)).toBe(400);
      expect(await res.json()).toEqual({ error });
    }
  });

  it('answers 404 for an unknown call and an unknown project', async () => {
    for (const body of [{ sid: `CA${'0'.repeat(32)}`, projectId: DEMO_PROJECT_ID }, { sid: SID, projectId: 'other-project' }]) {
      const res = await post(sim, body);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'call not found' });
    }
  });

  it('answers 404 to other paths and methods without counting them', async () => {
    expect((await fetch(`${sim.url}/call`, { headers: KEY })).status).toBe(404);
    expect((await fetch(`${sim.url}/calls`, { method: 'POST', headers: KEY, body: '{}' })).status).toBe(404);
    expect(sim.stats.requests).toBe(0);
  });

  it('answers 413 to a body over the limit', async () => {
    const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID, padding: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(sim.requestLog.at(-1)?.status).toBe(413);
  });

  it('keeps accounts apart: same projectId and sid, different bodies per credential', async () => {
    sim.addAccount('acme', { apiKeys: ['acme-key'], bearerTokens: ['acme-token'] });
    const sid = `CA${'a'.repeat(32)}`;
    sim.setCall('shared-project', sid, { status: 'completed', seconds: 12 });
    sim.setCall('shared-project', sid, { status: 'busy' }, 'acme');
    const demo = await post(sim, { sid, projectId: 'shared-project' });
    const acme = await post(sim, { sid, projectId: 'shared-project' }, { 'x-api-key': 'acme-key' });
    const acmeBearer = await post(sim, { sid, projectId: 'shared-project' }, { authorization: 'Bearer acme-token' });
    expect(await demo.json()).toEqual({ status: 'completed', seconds: 12 });
    expect(await acme.json()).toEqual({ status: 'busy' });
    expect(await acmeBearer.json()).toEqual({ status: 'busy' });
    // The demo project belongs to the demo account only.
    expect((await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, { 'x-api-key': 'acme-key' })).status).toBe(404);
    expect(sim.getCall('shared-project', sid, 'acme')).toEqual({ status: 'busy' });
    expect(() => sim.addAccount('thief', { apiKeys: [DEMO_API_KEY] })).toThrow(/already belongs/);
  });

  it('gives a seeded account its own copy of the demo project', async () => {
    sim.addAccount('seeded', { apiKeys: ['seeded-key'], seedDemo: true });
    sim.setCall(DEMO_PROJECT_ID, SID, { status: 'failed' }, 'seeded');
    const seeded = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, { 'x-api-key': 'seeded-key' });
    expect(await seeded.json()).toEqual({ status: 'failed' });
    expect(sim.getCall(DEMO_PROJECT_ID, SID)).toEqual(firstCompleted.body);
  });

  it('serves bodies of the wrong shape as stored, and forgets deleted calls', async () => {
    const sid = `CA${'b'.repeat(32)}`;
    sim.setCall(DEMO_PROJECT_ID, sid, { seconds: '12' });
    expect(await (await post(sim, { sid, projectId: DEMO_PROJECT_ID })).json()).toEqual({ seconds: '12' });
    sim.setCall(DEMO_PROJECT_ID, sid, 'just a string');
    expect(await (await post(sim, { sid, projectId: DEMO_PROJECT_ID })).json()).toBe('just a string');
    expect(sim.deleteCall(DEMO_PROJECT_ID, sid)).toBe(true);
    expect(sim.deleteCall(DEMO_PROJECT_ID, sid)).toBe(false);
    expect(sim.getCall(DEMO_PROJECT_ID, sid)).toBeUndefined();
    expect((await post(sim, { sid, projectId: DEMO_PROJECT_ID })).status).toBe(404);
  });

  describe('counters', () => {
    it('counts requests per sid, faulted or not, and resets', async () => {
      const other = DEMO_CALLS[2]?.sid ?? '';
      sim.injectFault(other, { type: 'status', status: 500 });
      await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, {});
      await post(sim, { sid: other, projectId: DEMO_PROJECT_ID });
      await post(sim, 'not json');
      expect(sim.stats.requests).toBe(4);
      expect(Object.fromEntries(sim.stats.bySid)).toEqual({ [SID]: 2, [other]: 1 });
      expect(sim.requestLog.map((entry) => entry.status)).toEqual([200, 401, 500, 400]);
      sim.resetStats();
      expect(sim.stats.requests).toBe(0);
      expect(sim.stats.bySid.size).toBe(0);
      expect(sim.stats.maxInFlight).toBe(0);
      expect(sim.requestLog).toEqual([]);
    });

    it('tracks in-flight requests under concurrency', async () => {
      sim.injectFault(ANY_SID, { type: 'delay', ms: 300 });
      const sids = DEMO_CALLS.slice(0, 10).map((call) => call.sid);
      const pending = sids.map((sid) => post(sim, { sid, projectId: DEMO_PROJECT_ID }));
      await vi.waitFor(() => expect(sim.stats.inFlight).toBe(10), { timeout: 2000, interval: 5 });
      const responses = await Promise.all(pending);
      expect(responses.map((res) => res.status)).toEqual(sids.map(() => 200));
      await Promise.all(responses.map((res) => res.arrayBuffer()));
      expect(sim.stats).toMatchObject({ requests: 10, inFlight: 0, maxInFlight: 10 });
      expect(sim.stats.bySid.size).toBe(10);
    });

    it('bounds the request log', async () => {
      const small = await startSimulator({ requestLogLimit: 3 });
      try {
        for (let i = 0; i < 8; i++) await post(small, { sid: `CA${i}`, projectId: DEMO_PROJECT_ID });
        expect(small.requestLog.map((entry) => entry.sid)).toEqual(['CA5', 'CA6', 'CA7']);
        expect(small.stats.requests).toBe(8);
      } finally {
        await small.close();
      }
    });
  });
});

describe('live calls', () => {
  it('move queued → ringing → in-progress → completed with the injected clock, then stay completed', async () => {
    let t = 1_700_000_000_000;
    const startedAt = t;
    const sim = await startSimulator({ now: () => t, lifecycleStepMs: 1000 });
    try {
      const [first, second] = DEMO_LIVE_SIDS;
      const statusOf = async (sid: string | undefined): Promise<Record<string, unknown>> =>
        (await (await post(sim, { sid, projectId: DEMO_PROJECT_ID })).json()) as Record<string, unknown>;

      const queued = await statusOf(first);
      expect(queued).toMatchObject({ status: 'queued', callSid: first });
      expect(queued).not.toHaveProperty('seconds');
      expect(queued).not.toHaveProperty('recordingUrls');
      expect(queued).not.toHaveProperty('date');

      t = startedAt + 999;
      expect((await statusOf(first)).status).toBe('queued');
      t = startedAt + 1000;
      expect((await statusOf(first)).status).toBe('ringing');
      expect((await statusOf(second)).status).toBe('queued');
      t = startedAt + 2500;
      expect((await statusOf(first)).status).toBe('in-progress');
      expect((await statusOf(second)).status).toBe('ringing');

      t = startedAt + 3000;
      const completed = await statusOf(first);
      const template = DEMO_LIVE_CALLS[0];
      expect(completed).toMatchObject({
        status: 'completed',
        seconds: template?.completed.seconds,
        cost: template?.completed.cost,
        recordingUrls: template?.completed.recordingUrls,
        date: new Date(startedAt + 3000).toUTCString().replace('GMT', '+0000'),
      });
      expect(sim.getCall(DEMO_PROJECT_ID, first ?? '')).toEqual(completed);

      t = startedAt + 1_000_000;
      expect(await statusOf(first)).toEqual(completed);
      expect(sim.requestLog.at(-1)?.at).toBe(t);

      // setCall takes a live call over.
      sim.setCall(DEMO_PROJECT_ID, second ?? '', { status: 'voicemail' });
      expect(await statusOf(second)).toEqual({ status: 'voicemail' });
    } finally {
      await sim.close();
    }
  });
});

describe('close', () => {
  it('destroys hanging requests and is idempotent', async () => {
    const sim = await startSimulator({ latencyMs: 5 });
    sim.injectFault(ANY_SID, { type: 'hang' });
    const hanging = post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
    await vi.waitFor(() => expect(sim.stats.inFlight).toBe(1), { timeout: 2000, interval: 5 });
    await Promise.all([sim.close(), sim.close()]);
    await sim.close();
    await expect(hanging).rejects.toThrow();
    await expect(post(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).rejects.toThrow();
  });
});

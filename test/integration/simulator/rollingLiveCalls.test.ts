/**
 * The demo project's rolling live calls (simulator/rollingLiveCalls.ts), over real HTTP
 * with an injected clock: a new call every interval, each moving queued → ringing →
 * in-progress → completed, answerable by any simulator from its sid and the clock alone; the
 * next one is announced an interval before its birth and answers `queued` until then.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEMO_API_KEY,
  DEMO_PROJECT_ID,
  ROLLING_RETENTION_MS,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../../src/simulator/index.js';

const STEP_MS = 1000;
const INTERVAL_MS = 2500;
// A slot boundary, so that "born at T0" is exact.
const T0 = Math.ceil(1_800_000_000_000 / INTERVAL_MS) * INTERVAL_MS;
const SID_RE = /^CA[0-9a-f]{32}$/;

const opened: Simulator[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sim) => sim.close()));
});

async function simulatorAt(clock: { t: number }, options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ now: () => clock.t, lifecycleStepMs: STEP_MS, liveCallIntervalMs: INTERVAL_MS, ...options });
  opened.push(sim);
  return sim;
}

async function answer(sim: Simulator, sid: string, headers: Record<string, string> = { 'x-api-key': DEMO_API_KEY }) {
  const response = await fetch(`${sim.url}/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ sid, projectId: DEMO_PROJECT_ID }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('rolling live calls', () => {
  it('are born every interval and move queued → ringing → in-progress (2 steps) → completed', async () => {
    const clock = { t: T0 };
    const sim = await simulatorAt(clock);
    const [newest] = sim.liveCalls();
    expect(newest).toMatchObject({ status: 'queued', bornAt: T0, completesAt: T0 + 4 * STEP_MS });
    const sid = newest?.sid ?? '';
    expect(sid).toMatch(SID_RE);

    const seen: Array<[number, unknown]> = [];
    for (const offset of [0, 999, 1000, 2000, 3999, 4000, 60_000]) {
      clock.t = T0 + offset;
      seen.push([offset, (await answer(sim, sid)).body.status]);
    }
    expect(seen).toEqual([
      [0, 'queued'],
      [999, 'queued'],
      [1000, 'ringing'],
      [2000, 'in-progress'],
      [3999, 'in-progress'],
      [4000, 'completed'],
      [60_000, 'completed'],
    ]);
  });

  it('carry seconds, cost, recordings, answers and the completion date only once completed', async () => {
    const clock = { t: T0 };
    const sim = await simulatorAt(clock);
    const sid = sim.liveCalls()[0]?.sid ?? '';
    const queued = (await answer(sim, sid)).body;
    expect(queued).toMatchObject({ status: 'queued', callSid: sid });
    for (const field of ['seconds', 'cost', 'date', 'recordingUrls', 'data']) expect(queued).not.toHaveProperty(field);

    clock.t = T0 + 4 * STEP_MS;
    const completed = (await answer(sim, sid)).body;
    expect(completed).toMatchObject({
      status: 'completed',
      callSid: sid,
      from: queued.from,
      to: queued.to,
      shiftId: queued.shiftId,
      date: new Date(T0 + 4 * STEP_MS).toUTCString().replace('GMT', '+0000'),
    });
    expect(completed.seconds).toBeGreaterThanOrEqual(40);
    expect(completed.cost).toBeGreaterThan(0);
    expect(completed.recordingUrls).toEqual([expect.stringMatching(/^https:\/\/api\.twilio\.com\/.+\/Recordings\/RE[0-9a-f]{32}\.mp3$/)]);
    expect(completed.data).toHaveProperty('employeeGoToWork');
  });

  it('always has a call still moving, newest first, and a new one each interval', async () => {
    const clock = { t: T0 };
    const sim = await simulatorAt(clock);
    const newestSids = new Set<string>();
    for (let offset = 0; offset < 10 * INTERVAL_MS; offset += 250) {
      clock.t = T0 + offset;
      const live = sim.liveCalls();
      expect(live.length, `at +${offset} ms`).toBeGreaterThanOrEqual(1);
      expect(live.map((call) => call.bornAt)).toEqual([...live.map((call) => call.bornAt)].sort((a, b) => b - a));
      for (const call of live) expect(call.status).not.toBe('completed');
      newestSids.add(live[0]?.sid ?? '');
    }
    expect(newestSids.size).toBe(10);
  });

  it('answer the same at the same instant in any simulator, whenever it started', async () => {
    const clock = { t: T0 - 3_600_000 };
    const early = await simulatorAt(clock);
    clock.t = T0 + 1500;
    const late = await simulatorAt(clock);
    const [sid, ...others] = late.liveCalls().map((call) => call.sid);
    expect(early.liveCalls().map((call) => call.sid)).toEqual([sid, ...others]);
    for (const offset of [1500, 2500, 6000]) {
      clock.t = T0 + offset;
      expect(await answer(early, sid ?? '')).toEqual(await answer(late, sid ?? ''));
    }
  });

  it('announce the next call an interval before its birth: queued until then, then moving like the others', async () => {
    const clock = { t: T0 - INTERVAL_MS + 1 };
    const sim = await simulatorAt(clock);
    const next = sim.nextLiveCall();
    expect(next).toMatchObject({ status: 'queued', bornAt: T0, completesAt: T0 + 4 * STEP_MS });
    expect(next.sid).toMatch(SID_RE);
    expect(sim.liveCalls().map((call) => call.sid)).not.toContain(next.sid);
    // Asking for it stores nothing and sends nothing: the clock alone names it.
    expect(sim.requestLog).toEqual([]);

    const seen: Array<[number, unknown]> = [];
    for (const offset of [-INTERVAL_MS + 1, -1, 0, 999, 1000, 2000, 4000]) {
      clock.t = T0 + offset;
      seen.push([offset, (await answer(sim, next.sid)).body.status]);
    }
    expect(seen).toEqual([
      [-INTERVAL_MS + 1, 'queued'],
      [-1, 'queued'],
      [0, 'queued'],
      [999, 'queued'],
      [1000, 'ringing'],
      [2000, 'in-progress'],
      [4000, 'completed'],
    ]);

    // Born, it is the newest live call, and the one after it is next.
    clock.t = T0;
    expect(sim.liveCalls()[0]?.sid).toBe(next.sid);
    expect(sim.nextLiveCall()).toMatchObject({ status: 'queued', bornAt: T0 + INTERVAL_MS });
  });

  it('answer 404 for a sid not announced yet, a forged check, a retired call, and other accounts', async () => {
    const clock = { t: T0 };
    const sim = await simulatorAt(clock);
    const sid = sim.liveCalls()[0]?.sid ?? '';
    const forged = `CA${'0'.repeat(20)}${sid.slice(-12)}`;
    expect((await answer(sim, forged)).status).toBe(404);

    clock.t = T0 - INTERVAL_MS - 1;
    expect((await answer(sim, sid)).status).toBe(404);
    clock.t = T0 - INTERVAL_MS;
    expect((await answer(sim, sid)).body.status).toBe('queued');

    clock.t = T0 + ROLLING_RETENTION_MS;
    expect((await answer(sim, sid)).body.status).toBe('completed');
    clock.t = T0 + ROLLING_RETENTION_MS + 1;
    expect((await answer(sim, sid)).status).toBe(404);

    clock.t = T0;
    sim.addAccount('plain', { apiKeys: ['plain-key'] });
    sim.addAccount('seeded', { apiKeys: ['seeded-key'], seedDemo: true });
    expect((await answer(sim, sid, { 'x-api-key': 'plain-key' })).status).toBe(404);
    expect((await answer(sim, sid, { 'x-api-key': 'seeded-key' })).body.status).toBe('queued');
  });

  it('give way to a stored call, and show in getCall', async () => {
    const clock = { t: T0 };
    const sim = await simulatorAt(clock);
    const sid = sim.liveCalls()[0]?.sid ?? '';
    expect(sim.getCall(DEMO_PROJECT_ID, sid)).toMatchObject({ status: 'queued', callSid: sid });
    sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy' });
    expect((await answer(sim, sid)).body).toEqual({ status: 'busy' });
  });

  it('default to a new call every 20 s taking 32 s with the default 8 s step', async () => {
    const sim = await startSimulator();
    opened.push(sim);
    expect(sim.liveCallSchedule).toEqual({ intervalMs: 20_000, lifetimeMs: 32_000, stepMs: 8000 });
    await expect(startSimulator({ liveCallIntervalMs: 0 })).rejects.toThrow(RangeError);
  });
});

/**
 * The simulator's synthetic project (`syntheticProject`, simulator/synthetic.ts) over HTTP, as
 * the benchmarks use it: any well-formed sid is a completed call carrying every field, derived
 * from the sid alone (the same bytes in any simulator, for any account); `CAlive…` sids are calls
 * in progress; stored calls and faults win; credentials are still checked. (Its cache on its
 * own: test/unit/simulator/synthetic.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BEARER_TOKEN, DEMO_PROJECT_ID, startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { E164_RE, post, RFC2822_RE } from '../../support/simulatorHttp.js';

describe('synthetic calls', () => {
  const PROJECT = 'bench-project';
  const call = { sid: 'CAbench_000042', projectId: PROJECT };
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ syntheticProject: PROJECT });
    sim.addAccount('acme', { apiKeys: ['acme-key'] });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers any well-formed sid with a completed call carrying every field, derived from the sid', async () => {
    const res = await post(sim, call);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['assignmentId', 'callSid', 'cost', 'data', 'date', 'from', 'partnerId', 'phoneNumber', 'recordingUrls', 'seconds', 'shiftId', 'status', 'to'],
    );
    expect(body).toMatchObject({
      status: 'completed',
      callSid: call.sid,
      from: expect.stringMatching(E164_RE),
      to: expect.stringMatching(E164_RE),
      phoneNumber: body.to,
      date: expect.stringMatching(RFC2822_RE),
      recordingUrls: [expect.stringMatching(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Recordings\/RE[0-9a-f]{32}\.mp3$/)],
      partnerId: expect.stringMatching(/^prt_\d{5}$/),
      shiftId: expect.stringMatching(/^shf_[0-9a-f]{12}$/),
      assignmentId: expect.stringMatching(/^asg_[0-9a-f]{12}$/),
      data: { employeeGoToWork: 'true', reasonOfCancellation: '', newDate: '' },
    });
    expect(Number.isInteger(body.seconds) && (body.seconds as number) > 0).toBe(true);
    expect(body.cost).toBeGreaterThan(0);
    expect(sim.getCall(PROJECT, call.sid)).toEqual(body);
  });

  it('gives the same sid the same bytes, for any account and in any simulator', async () => {
    const first = await (await post(sim, call)).text();
    expect(await (await post(sim, call)).text()).toBe(first);
    expect(await (await post(sim, call, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` })).text()).toBe(first);
    expect(await (await post(sim, call, { 'x-api-key': 'acme-key' })).text()).toBe(first);
    const other = await startSimulator({ syntheticProject: PROJECT, seedDemo: false });
    try {
      expect(await (await post(other, call)).text()).toBe(first);
    } finally {
      await other.close();
    }
    const bodies = new Set<string>();
    for (let i = 0; i < 20; i++) bodies.add(await (await post(sim, { sid: `CAbench_${i}`, projectId: PROJECT })).text());
    expect(bodies.size).toBe(20);
  });

  it('answers sids starting with CAlive as calls in progress: no seconds, cost, date or recordings', async () => {
    const sid = 'CAlive-7';
    const body = (await (await post(sim, { sid, projectId: PROJECT })).json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['assignmentId', 'callSid', 'data', 'from', 'partnerId', 'phoneNumber', 'shiftId', 'status', 'to']);
    expect(body).toMatchObject({ status: 'in-progress', callSid: sid, from: expect.stringMatching(E164_RE), phoneNumber: body.to, data: {} });
    expect(sim.getCall(PROJECT, sid)).toEqual(body);
  });

  it('answers 404 outside the synthetic project and for malformed sids', async () => {
    const notFound = [
      { sid: call.sid, projectId: DEMO_PROJECT_ID },
      { sid: call.sid, projectId: 'other-project' },
      { sid: 'CA bench', projectId: PROJECT },
      { sid: 'CA.bench', projectId: PROJECT },
      { sid: 'x'.repeat(65), projectId: PROJECT },
    ];
    for (const body of notFound) {
      const res = await post(sim, body);
      expect(res.status, JSON.stringify(body)).toBe(404);
      expect(await res.json()).toEqual({ error: 'call not found' });
      expect(sim.getCall(body.projectId, body.sid)).toBeUndefined();
    }
    expect((await post(sim, { sid: 'x'.repeat(64), projectId: PROJECT })).status).toBe(200);
    // Without the option there is no synthetic project.
    expect((await post(sim, call)).status).toBe(200);
    const plain = await startSimulator();
    try {
      expect((await post(plain, call)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('still answers 401 without a known credential', async () => {
    const attempts: Array<Record<string, string>> = [{}, { 'x-api-key': 'nope' }];
    for (const headers of attempts) {
      const res = await post(sim, call, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
  });

  it('lets stored calls and faults win', async () => {
    const sid = 'CAbench_stored';
    sim.setCall(PROJECT, sid, { status: 'busy' });
    expect(await (await post(sim, { sid, projectId: PROJECT })).json()).toEqual({ status: 'busy' });
    expect(sim.getCall(PROJECT, sid)).toEqual({ status: 'busy' });
    // Stored per account: another account still gets the synthetic call.
    expect(await (await post(sim, { sid, projectId: PROJECT }, { 'x-api-key': 'acme-key' })).json()).toMatchObject({ status: 'completed', callSid: sid });
    expect(sim.deleteCall(PROJECT, sid)).toBe(true);
    expect(await (await post(sim, { sid, projectId: PROJECT })).json()).toMatchObject({ status: 'completed', callSid: sid });

    const fault = sim.injectFault(sid, { type: 'status', status: 500, times: 1 });
    expect((await post(sim, { sid, projectId: PROJECT })).status).toBe(500);
    expect(fault.hits).toBe(1);
  });

  it('refuses an empty syntheticProject', async () => {
    await expect(startSimulator({ syntheticProject: '' })).rejects.toThrow(TypeError);
  });
});
